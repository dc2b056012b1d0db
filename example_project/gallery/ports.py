"""Is a TCP port free? ``python -m gallery.ports ADDR PORT`` exits 1 with a message when
it is taken (``make demo`` asks before migrating and seeding). No Django needed."""

from __future__ import annotations

import errno
import socket
import sys


def port_in_use(addr: str, port: int) -> bool:
    """True when something already listens on ``addr:port`` (a bind would fail)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as daphne binds
        try:
            probe.bind((addr, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def busy_message(addr: str, port: int | str) -> str:
    return (
        f"Port {port} on {addr} is already in use (another demo?). Stop what is using it, "
        "or pick another port: make demo PORT=8123"
    )


def main(argv: list[str]) -> int:
    addr, port = argv[0], int(argv[1])
    if port_in_use(addr, port):
        print(busy_message(addr, port), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

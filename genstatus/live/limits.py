"""What one process and one socket may ask of the server (Channels-free).

- **Admission**: the sockets of one event loop between their arrival and their accept
  ("handshakes in progress": the session read of ``AuthMiddlewareStack`` is there) are
  counted; beyond the limit, or while the oldest of them has waited longer than
  ``max_wait`` seconds (the server is slower than the arrivals, whatever its speed), a
  new socket is accepted and closed at once with ``CLOSE_TRY_LATER`` (4429), before any
  database work, and the browser comes back later (live.js backs off). The consumer
  also refuses while a snapshot read has waited that long in the reader. Past its
  capacity the server so keeps serving the sockets it took instead of letting every
  queued handshake time out.
  The consumer counts from its ``connect``; ``LiveAdmissionMiddleware``, wrapped around
  the whole WebSocket stack, counts from the socket's arrival, before the session read.
- **Frame rate**: a token bucket per socket (``FrameBucket``).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

CLOSE_TRY_LATER = 4429  # busy or flooding: reconnect later, with backoff
FRAME_UNIT = 8192  # characters of a client frame that cost one token of the frame rate
TICKET = "genstatus.admission"  # the scope key of a socket's admission ticket


MAX_WAIT = 2.0  # seconds the oldest handshake in progress may have waited; then refuse


class Admission:
    """The handshakes in progress of one event loop, oldest first."""

    def __init__(self) -> None:
        self.tickets: dict[Ticket, float] = {}  # insertion-ordered: the oldest first
        self.refused = 0  # sockets turned away (tests, benchmarks)

    @property
    def count(self) -> int:
        return len(self.tickets)

    def enter(self, limit: int, max_wait: float = MAX_WAIT) -> Ticket | None:
        """A ticket, or None when ``limit`` handshakes are in progress or the oldest of
        them has waited more than ``max_wait`` seconds."""
        now = time.monotonic()
        oldest = next(iter(self.tickets.values()), now)
        if len(self.tickets) >= limit or now - oldest > max_wait:
            self.refused += 1
            return None
        ticket = Ticket(self)
        self.tickets[ticket] = now
        return ticket


class Ticket:
    """One handshake in progress; ``release()`` (idempotent) when it is over."""

    def __init__(self, admission: Admission) -> None:
        self.admission: Admission | None = admission

    def release(self) -> None:
        if self.admission is not None:
            self.admission.tickets.pop(self, None)
            self.admission = None


_admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Admission] = (
    weakref.WeakKeyDictionary()
)


def admission() -> Admission:
    """The admission counter of the running loop."""
    loop = asyncio.get_running_loop()
    current = _admissions.get(loop)
    if current is None:
        current = _admissions[loop] = Admission()
    return current


async def refuse(receive: Any, send: Any, code: int = CLOSE_TRY_LATER) -> None:
    """Accept a socket and close it with ``code`` (a refused handshake would be a bare 403
    that a browser cannot tell from a denial)."""
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code, "reason": "busy"})


class LiveAdmissionMiddleware:
    """ASGI middleware: admission counted from the socket's arrival.

    Wrap it around the WebSocket stack (outside ``AuthMiddlewareStack``) so that a socket
    beyond the limit costs no session read::

        "websocket": LiveAdmissionMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(urls)))
        )

    The genstatus consumer releases the ticket once it has accepted the socket and sent
    ``hello``; other routes of the stack release it when their connection ends (wrap
    only genstatus's route if you have long-lived routes of your own).
    """

    limit = 200
    max_wait = MAX_WAIT

    def __init__(self, app: Any, limit: int | None = None, max_wait: float | None = None) -> None:
        self.app = app
        if limit is not None:
            self.limit = limit
        if max_wait is not None:
            self.max_wait = max_wait

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "websocket" or TICKET in scope:
            return await self.app(scope, receive, send)
        ticket = admission().enter(self.limit, self.max_wait)
        if ticket is None:
            await refuse(receive, send)
            return None
        try:
            return await self.app({**scope, TICKET: ticket}, receive, send)
        finally:
            ticket.release()


class FrameBucket:
    """A token bucket: ``rate`` frames a second, ``burst`` at once; a frame costs one token
    per started ``FRAME_UNIT`` characters (a 54 KB frame is seven small ones)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self, size: int = 0) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        cost = 1 + size // FRAME_UNIT
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True

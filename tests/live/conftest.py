"""Fixtures for the live-update tests: WebSocket communicators and a daphne subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from genstatus.routing import websocket_urlpatterns

ROOT = Path(__file__).resolve().parents[2]


class Communicator(WebsocketCommunicator):
    """channels' communicator with its 1 s default timeouts raised to 10 s: they are waits
    for a frame that comes, and a loaded machine can take over a second to answer."""

    async def connect(self, timeout: float = 10) -> Any:
        return await super().connect(timeout)

    async def receive_from(self, timeout: float = 10) -> Any:
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout: float = 10) -> Any:
        return await super().receive_json_from(timeout)

    async def receive_output(self, timeout: float = 10) -> Any:
        return await super().receive_output(timeout)

    async def disconnect(self, code: int = 1000, timeout: float = 10) -> None:
        await super().disconnect(code, timeout)


def make_communicator(user: Any, path: str = "/ws/genstatus/") -> WebsocketCommunicator:
    from channels.routing import URLRouter

    communicator = Communicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


async def connect(user: Any) -> WebsocketCommunicator:
    """A connected communicator past its ``hello`` frame."""
    communicator = make_communicator(user)
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str, timeout: float = 10) -> Any:
    """The next frame of type ``kind`` (frames of other types are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind!r} frame within {timeout}s"
        frame = await communicator.receive_json_from(timeout=left)
        if frame["type"] == kind:
            return frame


async def orm(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ORM code from an async test in a worker thread, then close that thread's
    connection (left open, it keeps PostgreSQL from dropping the test database)."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    def run() -> Any:
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    return await sync_to_async(run)()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Daphne:
    """daphne serving tests.live.asgi in its own process, on the test database."""

    def __init__(
        self, port: int, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.port = port
        self.extra_env = env or {}
        self.extra_args = args
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"genstatus-daphne-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/genstatus/"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.live.server_settings",
            "GENSTATUS_LIVE_DB_NAME": str(settings.DATABASES["default"]["NAME"]),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
            **self.extra_env,
        }
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        command += [*self.extra_args, "tests.live.asgi:application"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def rss_kib(self) -> int:
        """The daphne process's resident memory (Linux)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]
        )

    def restart(self) -> None:
        self.stop()
        self.start()


def require_shared_database() -> None:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        name = settings.DATABASES["default"]["NAME"]
        if not name or "memory" in str(name):
            # every user of this is marked `postgres`, so the tiers never get here: reaching
            # it means a test lost its marker, which must fail loudly, not skip
            pytest.fail(
                "daphne runs in another process and needs a shared database: run this test "
                "with GENSTATUS_DB=postgres (or a file SQLite via GENSTATUS_SQLITE_TEST_NAME)"
            )


@pytest.fixture
def daphne_server() -> Iterator[Daphne]:
    """daphne in a subprocess on a free port; needs a database and a layer it can share."""
    require_shared_database()
    server = Daphne(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _close_async_test_connections() -> Iterator[None]:
    """Async tests reach the ORM through sync_to_async's shared worker thread; close that
    thread's connection afterwards, or PostgreSQL cannot drop the test database."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(10)
    from genstatus.live import reader

    reader.close_all()  # the reader threads' kept connections (genstatus.live.reader)


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    """A new layer instance per test: each test runs its own event loop, and channels-redis
    binds the locks of its receive path to the loop that first waited on them (daphne has
    one loop for its lifetime; a test suite has one per test)."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}

"""Faults of the live layer (issue 8), bounded for CI.

- Redis stops while statuses change: the change commits, the failed publish is logged,
  nothing raises in the caller, open sockets stay open; when Redis is back the hub joins
  its group again and pushes a fresh snapshot, and the client equals the database.
- A WebSocket client that never reads: the others' latency stays bounded while it is
  connected, and daphne (``--ping-interval``/``--ping-timeout``) aborts it, which bounds
  the memory its unsent frames hold.

daphne restarted under an open page: tests/live/test_browser.py.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
import websockets
from django.conf import settings
from django.test import override_settings

from genstatus import lifecycle, live
from genstatus.models import Generation
from tests.live.conftest import Daphne, free_port, orm, require_shared_database
from tests.live.test_cross_process import receive, session_cookie

pytestmark = [
    pytest.mark.live,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


class PrivateRedis:
    """A redis-server of this test alone, on a free port (never the shared one)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # a crash, not a clean shutdown
            self.process.wait(5)
        self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def layers_on(url: str) -> dict[str, Any]:
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["hosts"] = [{"address": url, "socket_timeout": 10}]
    return layers


def start_daphne(redis_url: str, *args: str) -> Daphne:
    require_shared_database()
    server = Daphne(free_port(), env={"GENSTATUS_REDIS_URL": redis_url}, args=args)
    server.start()
    return server


async def test_redis_stopped_while_statuses_change(
    private_redis: PrivateRedis,
    user: Any,
    asset: Any,
    make_generation: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    generation = await orm(make_generation)
    cookie = await orm(session_cookie, user)
    server = start_daphne(private_redis.url)
    try:
        with override_settings(CHANNEL_LAYERS=layers_on(private_redis.url)):
            async with websockets.connect(
                server.ws_url, origin=server.url, additional_headers={"Cookie": cookie}
            ) as ws:
                await receive(ws, "hello")
                await ws.send(json.dumps({"type": "subscribe", "assets": [asset.pk]}))
                assert (await receive(ws, "snapshot"))["assets"][str(asset.pk)]["version"] == 1
                await orm(lifecycle.mark_queued, generation)  # the path works
                assert (await receive(ws, "updates"))["items"][0]["status"] == "queued"

                private_redis.stop()
                caplog.clear()
                with caplog.at_level(logging.ERROR, logger="genstatus.live"):
                    # commits; publishing fails on the flush thread, which logs it
                    await orm(lifecycle.mark_processing, generation)
                    await orm(lifecycle.report_progress, generation, 40)
                    assert not await asyncio.to_thread(live.flush, 10)
                row = await orm(Generation.objects.get, pk=generation.pk)
                assert (row.status, row.progress, row.version) == ("processing", 40, 4)
                failures = [
                    r
                    for r in caplog.records
                    if r.name == "genstatus.live" and "publishing" in r.getMessage()
                ]
                assert failures, [r.getMessage() for r in caplog.records]
                assert failures[0].levelno == logging.ERROR
                # the socket stays open and usable without the layer
                await ws.send(json.dumps({"type": "ping", "ref": 1}))
                assert (await receive(ws, "pong"))["ref"] == 1

                private_redis.start()
                # the hub joins again and pushes a snapshot: the client equals the database
                snapshot = await receive(ws, "snapshot", timeout=20)
                assert snapshot["ref"] == "server"
                badge = snapshot["assets"][str(asset.pk)]
                assert (badge["status"], badge["progress"], badge["version"]) == (
                    "processing",
                    40,
                    4,
                )
                # and pushes flow again, from this process's publisher too
                await orm(lifecycle.mark_completed, generation)
                deadline = time.monotonic() + 10
                status = None
                while status != "completed":
                    assert time.monotonic() < deadline, "no push after Redis came back"
                    frame = await receive(ws, "updates", timeout=10)
                    status = frame["items"][-1]["status"]
    finally:
        server.stop()


def raw_websocket(server: Daphne, cookie: str, rcvbuf: int = 4096) -> socket.socket:
    """A WebSocket client socket that completes the handshake and never reads again."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/genstatus/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.url}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def client_frame(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Drain the socket: True once the server has closed or reset it."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            continue
    return False


SLOW_ITEMS = 150  # generations per pushed batch: ~150 KB frames
# long enough that what is pushed dwarfs a process's fixed growth (its live reader's
# thread and connection: ~4 MiB)
SLOW_SECONDS = 10.0


async def test_a_client_that_never_reads_does_not_delay_others_and_is_dropped(
    user: Any, make_generation: Any
) -> None:
    generations = await orm(lambda: [make_generation(prompt="x" * 500) for _ in range(SLOW_ITEMS)])
    ids = [g.pk for g in generations]
    cookie = await orm(session_cookie, user)
    server = start_daphne(
        settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"],
        "--ping-interval",
        "1",
        "--ping-timeout",
        "2",
    )
    slow: socket.socket | None = None
    try:
        async with websockets.connect(
            server.ws_url,
            origin=server.url,
            additional_headers={"Cookie": cookie},
            max_size=None,
        ) as ws:
            await receive(ws, "hello")
            await ws.send(json.dumps({"type": "subscribe", "generations": ids}))
            await receive(ws, "snapshot")
            slow = raw_websocket(server, cookie)
            slow.sendall(client_frame(json.dumps({"type": "subscribe", "generations": ids})))
            rss_before = server.rss_kib()
            slow_connected = time.monotonic()

            arrived: list[float] = []
            received: list[int] = []
            pushed = [0]  # bytes of update frames, as sent to every subscribed socket

            async def read() -> None:
                while True:
                    raw = await ws.recv()
                    frame = json.loads(raw)
                    if frame["type"] == "updates":
                        pushed[0] += len(raw)
                        received.append(frame["items"][0]["version"])
                        arrived.append(time.monotonic())

            reader = asyncio.create_task(read())
            try:
                version = 1
                while time.monotonic() - slow_connected < SLOW_SECONDS:
                    version += 1
                    for generation in generations:
                        generation.version = version
                        live.publish(generation, "progress")
                    await asyncio.sleep(0.1)
                deadline = time.monotonic() + 10  # wait for the last batch, not a fixed time
                while (not received or received[-1] != version) and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            finally:
                reader.cancel()
            rss_after = server.rss_kib()

        # others were not held up by the client that never reads: the last version arrived,
        # and updates kept arriving all along. A socket stuck behind the slow one would
        # receive nothing for seconds; how many batches a loaded machine merges into one
        # frame, and how fast it delivers them, is not what this test is about.
        assert received[-1] == version
        assert received == sorted(received)
        gaps = [later - earlier for earlier, later in pairwise(arrived)]
        gaps.append(arrived[0] - slow_connected)
        assert max(gaps) < SLOW_SECONDS / 2, (max(gaps), len(received), version)
        # daphne aborted the client that did not answer its ping ...
        assert closed_by_server(slow, timeout=5)
        # ... and held far less than what was pushed to it meanwhile
        grown = (rss_after - rss_before) * 1024
        print(f"pushed {pushed[0] / 2**20:.1f} MiB per socket, daphne grew {grown / 2**20:.1f} MiB")
        assert grown < 0.5 * pushed[0], (grown / 2**20, pushed[0] / 2**20)
    finally:
        if slow is not None:
            slow.close()
        server.stop()

"""A status changed in another OS process reaches a WebSocket client of daphne (Redis)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest
import websockets
from django.conf import settings
from django.test import Client

from tests.live.conftest import ROOT, Daphne, orm

pytestmark = [
    pytest.mark.live,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def run_worker(*args: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.live.server_settings",
        "GENSTATUS_LIVE_DB_NAME": str(settings.DATABASES["default"]["NAME"]),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.live.worker_change", *args, cwd=ROOT, env=env
    )
    assert await process.wait() == 0


async def receive(ws: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def test_a_change_in_another_process_reaches_a_daphne_client(
    daphne_server: Daphne, user: Any, asset: Any, make_generation: Any
) -> None:
    generation = await orm(make_generation)
    cookie = await orm(session_cookie, user)
    async with websockets.connect(
        daphne_server.ws_url,
        origin=daphne_server.url,
        additional_headers={"Cookie": cookie},
    ) as ws:
        assert (await receive(ws, "hello"))["protocol"] == 1
        await ws.send(json.dumps({"type": "subscribe", "assets": [asset.pk]}))
        snapshot = await receive(ws, "snapshot")
        assert snapshot["assets"][str(asset.pk)]["status"] == "pending"
        await run_worker(str(generation.pk), "queued", str(generation.pk), "failed")
        seen = []
        while not seen or seen[-1]["status"] != "failed":
            seen += (await receive(ws, "updates"))["items"]
        assert seen[-1]["error_message"] == "Failed in the worker process"
        assert seen[-1]["version"] == 3


async def test_daphne_refuses_an_anonymous_socket_with_4401(daphne_server: Daphne) -> None:
    async with websockets.connect(daphne_server.ws_url, origin=daphne_server.url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_daphne_refuses_a_foreign_origin(daphne_server: Daphne, user: Any) -> None:
    cookie = await orm(session_cookie, user)
    with pytest.raises(websockets.InvalidStatus):
        async with websockets.connect(
            daphne_server.ws_url,
            origin="http://evil.example",
            additional_headers={"Cookie": cookie},
        ):
            pass

"""A status changed in another OS process reaches a WebSocket client of daphne (Redis)."""

from __future__ import annotations

import asyncio
import contextlib
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


async def test_two_daphne_processes_on_the_redis_layer_both_get_a_change_from_a_third(
    user: Any, other_user: Any, asset: Any, make_generation: Any
) -> None:
    """Two serving processes (as behind a proxy), sockets on both (the owner's and a
    view-all user's, a badge and a panel), a change committed by a third process."""
    from django.contrib.auth.models import Permission

    from tests.live.conftest import free_port

    permission = await Permission.objects.aget(codename="view_all_generations")
    await orm(other_user.user_permissions.add, permission)
    generation = await orm(make_generation)
    servers = [Daphne(free_port()), Daphne(free_port())]
    for server in servers:
        await asyncio.to_thread(server.start)
    try:
        cookies = [await orm(session_cookie, user), await orm(session_cookie, other_user)]
        subscriptions = [{"assets": [asset.pk]}, {"panel": {"filters": {}, "since": 0}}]
        async with contextlib.AsyncExitStack() as stack:
            sockets = []
            for server in servers:
                for cookie, subscription in zip(cookies, subscriptions, strict=True):
                    ws = await stack.enter_async_context(
                        websockets.connect(
                            server.ws_url, origin=server.url, additional_headers={"Cookie": cookie}
                        )
                    )
                    await receive(ws, "hello")
                    await ws.send(json.dumps({"type": "subscribe", **subscription}))
                    await receive(ws, "snapshot")
                    sockets.append(ws)
            await run_worker(str(generation.pk), "failed")
            for ws in sockets:  # four sockets, two processes
                items = (await receive(ws, "updates", timeout=10))["items"]
                assert items[-1]["generation_id"] == generation.pk
                assert items[-1]["status"] == "failed"
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)

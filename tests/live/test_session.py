"""A socket is tied to its session: a logout, an expired session or a password change
(Django's session auth hash) closes it with 4401, at the next resync or within the
re-check interval (GENSTATUS_LIVE_USER_RECHECK)."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tests.live.conftest import make_communicator, next_of

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

CLOSED_4401 = {"type": "websocket.close", "code": 4401}


def signed_in(user: Any) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.session.session_key or ""


async def session_socket(user: Any) -> tuple[Any, Client, str]:
    """A connected socket with the session of a signed-in client, past hello and its
    first snapshot: (communicator, client, session key)."""
    client, key = await sync_to_async(signed_in)(user)
    communicator = make_communicator(user)
    communicator.scope["session"] = import_module(settings.SESSION_ENGINE).SessionStore(key)
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    await communicator.send_json_to({"type": "subscribe", "ref": "s", "assets": []})
    assert (await next_of(communicator, "snapshot"))["ref"] == "s"
    return communicator, client, key


def expire(key: str) -> None:
    from django.contrib.sessions.models import Session

    past = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(session_key=key).update(expire_date=past)


def change_password(user: Any) -> None:
    user.set_password("a new password")
    user.save()


ENDINGS: dict[str, Callable[[Any, Client, str], None]] = {
    "logout": lambda user, client, key: client.logout(),
    "expiry": lambda user, client, key: expire(key),
    "password change": lambda user, client, key: change_password(user),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
@override_settings(GENSTATUS_LIVE_USER_RECHECK=0.2)
async def test_an_ended_session_closes_its_socket_within_the_recheck_interval(
    user: Any, ending: str
) -> None:
    communicator, client, key = await session_socket(user)
    await sync_to_async(ENDINGS[ending])(user, client, key)
    # no resync, no update: the timer's read finds the session over (a wait, not a limit)
    assert await communicator.receive_output(timeout=10) == CLOSED_4401


@pytest.mark.parametrize("ending", list(ENDINGS))
async def test_an_ended_session_closes_its_socket_at_the_next_resync(
    user: Any, ending: str
) -> None:
    communicator, client, key = await session_socket(user)
    await sync_to_async(ENDINGS[ending])(user, client, key)
    await communicator.send_json_to({"type": "resync", "ref": "r"})
    assert await communicator.receive_output() == CLOSED_4401


@override_settings(GENSTATUS_LIVE_USER_RECHECK=0.2)
async def test_a_live_session_keeps_its_socket(user: Any, monkeypatch: Any) -> None:
    from genstatus.live import standing

    reads: list[Any] = []
    original = standing.read_standing

    def counted(pk: Any, session_key: Any) -> Any:
        result = original(pk, session_key)
        reads.append(result)
        return result

    monkeypatch.setattr(standing, "read_standing", counted)
    communicator, _, _ = await session_socket(user)
    while len(reads) < 2:  # two timer reads of a session that still holds
        await asyncio.sleep(0.05)
    assert await communicator.receive_nothing(timeout=0.1)  # not closed
    assert all(result is not None for result in reads)
    await communicator.send_json_to({"type": "resync", "ref": "r"})
    assert (await next_of(communicator, "snapshot"))["ref"] == "r"
    await communicator.disconnect()


async def test_another_sessions_logout_leaves_this_socket_open(user: Any) -> None:
    communicator, _, _ = await session_socket(user)
    other, _ = await sync_to_async(signed_in)(user)
    await sync_to_async(other.logout)()
    await communicator.send_json_to({"type": "resync", "ref": "r"})
    assert (await next_of(communicator, "snapshot"))["ref"] == "r"
    await communicator.disconnect()

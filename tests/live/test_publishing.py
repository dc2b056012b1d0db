"""Publishing after commit from the three kinds of calling code, and what is not published."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import override_settings

from gallery.models import Asset
from genstatus import lifecycle, live
from tests.live.conftest import connect, next_of

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


async def watch(user: Any, asset: Asset) -> Any:
    communicator = await connect(user)
    await communicator.send_json_to({"type": "subscribe", "assets": [asset.pk]})
    await next_of(communicator, "snapshot")
    return communicator


async def test_publishes_from_plain_sync_code_in_a_thread_without_a_loop(
    user: Any, asset: Asset, make_generation: Any, caplog: pytest.LogCaptureFixture
) -> None:
    generation = await sync_to_async(make_generation)()
    communicator = await watch(user, asset)
    errors: list[BaseException] = []

    def worker() -> None:  # what a worker or a WSGI view does: plain sync code
        try:
            lifecycle.mark_queued(generation)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    await asyncio.to_thread(thread.join)
    assert errors == []
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["status"] == "queued"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await communicator.disconnect()


async def test_publishes_from_async_code(user: Any, asset: Asset, make_generation: Any) -> None:
    generation = await sync_to_async(make_generation)()
    communicator = await watch(user, asset)
    await sync_to_async(lifecycle.mark_processing)(generation)  # an async view or task
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["status"] == "processing"
    generation.progress, generation.version = 55, generation.version + 1
    await live.apublish(generation, "progress")
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["progress"] == 55
    await communicator.disconnect()


async def test_publishes_from_sync_code_while_a_loop_runs_in_the_same_thread(
    user: Any,
    asset: Asset,
    make_generation: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Playwright's sync API and Jupyter run sync code in a thread whose loop is running:
    # async_to_sync raises there, and on_commit(robust=True) would only log it.
    generation = await sync_to_async(make_generation)()
    communicator = await watch(user, asset)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    asyncio.get_running_loop()  # this thread has a running loop
    lifecycle.mark_failed(generation, "Provider timeout", code="timeout")  # plain sync call
    live.flush(timeout=2)  # a no-op wait here, a real one in a thread without the loop
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["status"] == "failed"
    assert frame["items"][0]["error_code"] == "timeout"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await communicator.disconnect()


async def test_nothing_is_published_for_a_rolled_back_change(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    communicator = await watch(user, asset)

    def rolled_back() -> None:
        with transaction.atomic():
            lifecycle.mark_queued(generation)
            transaction.set_rollback(True)

    await sync_to_async(rolled_back)()
    assert await communicator.receive_nothing(timeout=0.4)
    await communicator.disconnect()


async def test_live_setting_off_publishes_nothing(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    communicator = await watch(user, asset)
    with override_settings(GENSTATUS_LIVE=False):
        await sync_to_async(lifecycle.mark_queued)(generation)
        assert await communicator.receive_nothing(timeout=0.4)
    await communicator.disconnect()


async def test_retry_moves_the_badge_to_the_new_attempt(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    await sync_to_async(lifecycle.mark_failed)(generation, "boom")
    communicator = await watch(user, asset)
    attempt = await sync_to_async(lifecycle.retry)(generation)
    frame = await next_of(communicator, "updates")
    items = {item["generation_id"]: item for item in frame["items"]}
    item = items[attempt.pk]
    assert (item["status"], item["kind"], item["retried_as"]) == ("pending", "created", None)
    await communicator.disconnect()


async def test_retry_publishes_the_original_with_its_attempt_and_a_new_version(
    user: Any, make_generation: Any
) -> None:
    """A panel row of the original learns it was retried: no Retry button, "retried as #N"."""
    generation = await sync_to_async(make_generation)()
    await sync_to_async(lifecycle.mark_failed)(generation, "boom")
    communicator = await connect(user)
    await communicator.send_json_to({"type": "subscribe", "generations": [generation.pk]})
    snapshot = await next_of(communicator, "snapshot")
    version = snapshot["generations"][str(generation.pk)]["version"]
    attempt = await sync_to_async(lifecycle.retry)(generation)
    frame = await next_of(communicator, "updates")
    [item] = [i for i in frame["items"] if i["generation_id"] == generation.pk]
    assert (item["status"], item["kind"], item["retried_as"]) == ("failed", "retried", attempt.pk)
    assert item["version"] == version + 1
    await communicator.disconnect()


def test_payload_has_display_data_and_no_owner(generation: Any) -> None:
    payload = live.generation_payload(generation)
    assert payload["display"]["icon"] == "clock"
    assert "owner" not in payload
    assert "owner_id" not in payload
    event = live.build_event([(payload, generation.owner_id)])
    assert event["owners"] == [str(generation.owner_id)]  # for scoping; never in a frame
    assert "owner" not in event["frame"]


def test_layer_message_carries_uuid_owner_keys(generation: Any) -> None:
    import uuid

    import msgpack

    owner = uuid.uuid4()
    event = live.build_event([(live.generation_payload(generation), owner)])
    assert msgpack.unpackb(msgpack.packb(event))["owners"] == [str(owner)]  # channels-redis

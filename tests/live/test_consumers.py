"""The consumer, driven through WebsocketCommunicator on the configured channel layer."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import override_settings

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.consumers import CLOSE_UNAUTHENTICATED, GenerationStatusConsumer
from tests.live.conftest import connect, make_communicator, next_of

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


async def subscribe(communicator: Any, **what: Any) -> dict[str, Any]:
    await communicator.send_json_to({"type": "subscribe", "ref": "s1", **what})
    snapshot = await next_of(communicator, "snapshot")
    assert snapshot["ref"] == "s1"
    return snapshot


async def test_anonymous_connection_is_closed_with_4401() -> None:
    communicator = make_communicator(AnonymousUser())
    connected, _ = await communicator.connect()
    assert connected  # accepted so that the browser can read the close code
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }
    await communicator.wait()


async def test_inactive_user_is_closed_with_4401(user: Any) -> None:
    user.is_active = False
    await sync_to_async(user.save)()
    communicator = make_communicator(user)
    await communicator.connect()
    output = await communicator.receive_output()
    assert output["code"] == CLOSE_UNAUTHENTICATED


async def test_hello_carries_display_data_for_every_status(user: Any) -> None:
    communicator = make_communicator(user)
    await communicator.connect()
    hello = await communicator.receive_json_from()
    assert hello["groups"]["active"] == ["pending", "processing", "queued"]
    assert hello["groups"]["failed"] == ["failed"]
    assert hello["display"]["failed"] == {
        "label": "Failed",
        "icon": "alert",
        "color": "red",
        "description": "Generation failed",
        "spinning": False,
    }
    assert set(hello["display"]) == {
        "pending",
        "queued",
        "processing",
        "completed",
        "failed",
        "cancelled",
    }
    await communicator.disconnect()


async def test_subscribe_answers_with_a_snapshot_of_assets_and_generations(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    await sync_to_async(lifecycle.mark_queued)(generation)
    communicator = await connect(user)
    snapshot = await subscribe(communicator, assets=[asset.pk, 999999], generations=[generation.pk])
    badge = snapshot["assets"][str(asset.pk)]
    assert badge["generation_id"] == generation.pk
    assert badge["status"] == "queued"
    assert badge["version"] == 2
    assert badge["display"]["icon"] == "layers"
    assert snapshot["assets"]["999999"] is None
    assert snapshot["generations"][str(generation.pk)]["status"] == "queued"
    await communicator.disconnect()


async def test_a_change_is_pushed_as_a_versioned_update(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    communicator = await connect(user)
    await subscribe(communicator, assets=[asset.pk])
    await sync_to_async(lifecycle.mark_failed)(generation, "Quota <b>exceeded</b>", code="quota")
    frame = await next_of(communicator, "updates")
    [item] = frame["items"]
    assert item["generation_id"] == generation.pk
    assert item["status"] == "failed"
    assert item["version"] == 2
    assert item["error_message"] == "Quota <b>exceeded</b>"  # the client uses textContent
    assert item["display"]["color"] == "red"
    assert "owner_id" not in item
    await communicator.disconnect()


async def test_user_a_never_receives_user_b_generation(
    user: Any, other_user: Any, asset: Asset, make_generation: Any
) -> None:
    # B's job targets an asset A subscribes to (ids are guessable): A must see nothing of it.
    theirs = await sync_to_async(make_generation)(owner=other_user, prompt="secret of B")
    communicator = await connect(user)
    snapshot = await subscribe(
        communicator, assets=[asset.pk], generations=[theirs.pk], panel={"filters": {}}
    )
    assert snapshot["assets"][str(asset.pk)] is None
    assert snapshot["generations"][str(theirs.pk)] is None
    assert snapshot["panel"] == []
    await sync_to_async(lifecycle.mark_processing)(theirs)
    mine = await sync_to_async(make_generation)(prompt="mine")
    frame = await next_of(communicator, "updates")
    # the first update A gets is about its own generation, and B's never shows up
    assert [item["generation_id"] for item in frame["items"]] == [mine.pk]
    await sync_to_async(lifecycle.mark_failed)(theirs, "secret failure")
    while not await communicator.receive_nothing(timeout=0.5):
        frame = await communicator.receive_json_from()
        assert "secret" not in json.dumps(frame)
    await communicator.disconnect()


async def watching_theirs_with_view_all(
    viewer: Any, asset: Asset, make_generation: Any
) -> tuple[Any, Any, Permission]:
    """``viewer`` holds view_all_generations and watches ``asset``, whose generation belongs
    to its owner: (socket, that generation, the permission)."""
    permission = await Permission.objects.aget(codename="view_all_generations")
    await sync_to_async(viewer.user_permissions.add)(permission)
    theirs = await sync_to_async(make_generation)()  # owned by `user`
    communicator = await connect(viewer)
    snapshot = await subscribe(communicator, assets=[asset.pk])
    assert snapshot["assets"][str(asset.pk)]["generation_id"] == theirs.pk
    return communicator, theirs, permission


async def test_view_all_permission_sees_every_users_generations(
    user: Any, other_user: Any, asset: Asset, make_generation: Any
) -> None:
    communicator, theirs, _ = await watching_theirs_with_view_all(
        other_user, asset, make_generation
    )
    await sync_to_async(lifecycle.mark_queued)(theirs)
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["status"] == "queued"
    await communicator.disconnect()


async def test_panel_gets_new_rows_matching_its_filters_only(
    user: Any, make_generation: Any
) -> None:
    communicator = await connect(user)
    await subscribe(communicator, panel={"filters": {"status": "active", "provider": "sora"}})
    await sync_to_async(make_generation)(provider="pixverse", prompt="not this one")
    sora = await sync_to_async(make_generation)(provider="sora", prompt="<script>x</script>")
    frame = await next_of(communicator, "updates")
    assert [item["generation_id"] for item in frame["items"]] == [sora.pk]
    assert frame["items"][0]["kind"] == "created"
    # once shown, the row follows the generation even when it leaves the Active filter
    await sync_to_async(lifecycle.mark_cancelled)(sora)
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["status"] == "cancelled"
    await communicator.disconnect()


async def test_a_panel_filtered_by_asset_gets_no_live_rows_it_cannot_check(
    user: Any, asset: Any, make_generation: Any
) -> None:
    from gallery.models import Asset

    other = await sync_to_async(Asset.objects.create)(owner=user, title="other")
    communicator = await connect(user)
    snapshot = await subscribe(communicator, panel={"filters": {"asset": str(asset.pk)}})
    assert snapshot["panel"] == []
    await sync_to_async(make_generation)(asset=other, prompt="another asset")
    assert await communicator.receive_nothing(timeout=0.5)
    mine = await sync_to_async(make_generation)(asset=asset, prompt="this asset")
    resync = await subscribe(communicator, panel={"filters": {"asset": str(asset.pk)}})
    assert [item["generation_id"] for item in resync["panel"]] == [mine.pk]  # via snapshot
    await communicator.disconnect()


async def test_panel_resync_returns_rows_created_since_the_last_seen_id(
    user: Any, make_generation: Any
) -> None:
    old = await sync_to_async(make_generation)()
    new = await sync_to_async(make_generation)()
    communicator = await connect(user)
    snapshot = await subscribe(communicator, panel={"filters": {}, "since": old.pk})
    assert [item["generation_id"] for item in snapshot["panel"]] == [new.pk]
    await communicator.disconnect()


async def test_older_versions_are_never_sent_after_newer_ones(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    from genstatus import live

    generation = await sync_to_async(make_generation)()
    communicator = await connect(user)
    await subscribe(communicator, assets=[asset.pk])
    await sync_to_async(lifecycle.mark_queued)(generation)
    await sync_to_async(lifecycle.mark_processing)(generation)
    versions = []
    while not versions or versions[-1] < 3:
        frame = await next_of(communicator, "updates")
        versions += [item["version"] for item in frame["items"]]
    # a stale message (e.g. from a slow process) arriving late is dropped by the server
    stale = await sync_to_async(lambda: type(generation).objects.get(pk=generation.pk))()
    stale.version, stale.status = 2, "queued"
    live.publish(stale)
    await sync_to_async(lifecycle.mark_failed)(generation, "boom")
    frame = await next_of(communicator, "updates")
    assert [(i["version"], i["status"]) for i in frame["items"]] == [(4, "failed")]
    assert versions == sorted(versions)
    await communicator.disconnect()


@override_settings(GENSTATUS_LIVE_COALESCE=0.3)
async def test_a_burst_is_coalesced_to_the_latest_version(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    from genstatus import live

    generation = await sync_to_async(make_generation)()
    communicator = await connect(user)
    await subscribe(communicator, assets=[asset.pk])
    # 2,000 changes within one window, however slow the machine: the flush is held until
    # the whole burst is queued (on a loaded machine the burst outlasted the window)
    with live.publisher.hold():
        for version in range(2, 2002):
            generation.version = version
            generation.progress = version % 100
            live.publish(generation)
    frame = await next_of(communicator, "updates")
    assert [item["version"] for item in frame["items"]] == [2001]
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"type": "explode"}', "unknown_type"),
        ('{"type": "subscribe", "assets": "1,2"}', "bad_ids"),
        ('{"type": "subscribe", "assets": [{"a": 1}]}', "bad_ids"),
        ('{"type": "subscribe", "assets": ["../../etc"]}', "bad_ids"),
        ('{"type": "subscribe", "generations": ["x"]}', "bad_ids"),
        ('{"type": "subscribe", "generations": [-1]}', "bad_ids"),
        ('{"type": "subscribe", "panel": {"filters": {"status": "weird"}}}', "bad_panel"),
        ('{"type": "subscribe", "panel": "yes"}', "bad_panel"),
        ('{"type": "subscribe", "panel": {"filters": {"provider": "midjourney"}}}', "bad_panel"),
        ('{"type": "subscribe", "panel": {"filters": {"asset": "1,%s"}}}', "bad_panel"),
        ('{"type": "subscribe", "assets": ' + json.dumps(list(range(1, 1500))) + "}", "too_many"),
        ('{"type": "ping", "pad": "' + "x" * 70_000 + '"}', "too_large"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_connection_stays_usable(
    user: Any, frame: str, code: str
) -> None:
    communicator = await connect(user)
    await communicator.send_to(text_data=frame)
    error = await communicator.receive_json_from()
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    await communicator.send_json_to({"type": "ping", "ref": 7})
    assert await communicator.receive_json_from() == {"type": "pong", "ref": 7}
    await communicator.disconnect()


async def test_binary_frames_get_an_error_frame(user: Any) -> None:
    communicator = await connect(user)
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await communicator.receive_json_from())["code"] == "bad_frame"
    await communicator.disconnect()


async def test_unsubscribed_assets_stop_receiving(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    communicator = await connect(user)
    await subscribe(communicator, assets=[asset.pk])
    await communicator.send_json_to({"type": "unsubscribe", "assets": [asset.pk]})
    assert (await communicator.receive_json_from())["type"] == "unsubscribed"
    await sync_to_async(lifecycle.mark_queued)(generation)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_one_layer_message_per_flush_reaches_every_local_socket(
    user: Any, other_user: Any, asset: Asset, make_generation: Any
) -> None:
    from genstatus import live

    generation = await sync_to_async(make_generation)()
    await sync_to_async(live.flush)()  # the creation's message is out before counting
    mine = [await connect(user) for _ in range(20)]
    theirs = await connect(other_user)
    for communicator in [*mine, theirs]:
        await subscribe(communicator, assets=[asset.pk])
    hub = live.hub()
    assert len(hub.members) == 21  # one hub, one layer channel, for every socket here
    sent, batches = live.publisher.sent_messages, hub.delivered_batches
    await sync_to_async(lifecycle.mark_queued)(generation)
    for communicator in mine:
        frame = await next_of(communicator, "updates")
        assert frame["items"][0]["status"] == "queued"
    assert await theirs.receive_nothing(timeout=0.3)  # scoping is still per user
    assert live.publisher.sent_messages == sent + 1
    assert hub.delivered_batches == batches + 1
    for communicator in [*mine, theirs]:
        await communicator.disconnect()
    assert live.hub() is not hub  # the last socket out stopped it; a new one starts


async def test_after_a_layer_failure_the_hub_rejoins_and_resyncs_its_sockets(
    user: Any, asset: Asset, make_generation: Any, caplog: Any
) -> None:
    from genstatus import live

    generation = await sync_to_async(make_generation)()
    communicator = await connect(user)
    await subscribe(communicator, assets=[asset.pk])
    hub = live.hub()
    receive = hub.layer.receive
    failed = []

    async def failing_receive(channel: str) -> Any:
        if not failed:
            failed.append(channel)
            raise ConnectionError("layer down")
        return await receive(channel)

    hub.layer.receive = failing_receive
    try:
        # wake the hub's pending receive with a message it will process, then fail once
        await sync_to_async(lifecycle.mark_queued)(generation)
        await next_of(communicator, "updates")
        await sync_to_async(lifecycle.mark_processing)(generation)  # lost: the layer "fails"
        snapshot = await next_of(communicator, "snapshot", timeout=5)
    finally:
        del hub.layer.receive
    assert snapshot["ref"] == "server"
    assert snapshot["assets"][str(asset.pk)]["status"] == "processing"
    assert any("channel layer failed" in r.getMessage() for r in caplog.records)
    assert hub.outages >= 1
    await communicator.disconnect()


async def test_snapshot_tells_which_generations_were_retried(
    user: Any, make_generation: Any
) -> None:
    """A browser that missed the live "retried" message learns it from its next resync."""
    original = await sync_to_async(make_generation)()
    await sync_to_async(lifecycle.mark_failed)(original, "boom")
    attempt = await sync_to_async(lifecycle.retry)(original, actor=user)
    communicator = await connect(user)
    snapshot = await subscribe(
        communicator, generations=[original.pk], panel={"filters": {}, "since": 0}
    )
    assert snapshot["generations"][str(original.pk)]["retried_as"] == attempt.pk
    rows = {item["generation_id"]: item for item in snapshot["panel"]}
    assert rows[original.pk]["retried_as"] == attempt.pk
    assert rows[attempt.pk]["retried_as"] is None
    await communicator.disconnect()


async def test_a_revoked_view_all_permission_applies_from_the_next_resync(
    user: Any, other_user: Any, asset: Asset, make_generation: Any
) -> None:
    communicator, theirs, permission = await watching_theirs_with_view_all(
        other_user, asset, make_generation
    )
    await sync_to_async(other_user.user_permissions.remove)(permission)
    await communicator.send_json_to({"type": "resync", "ref": "r1"})
    resync = await next_of(communicator, "snapshot")
    assert resync["assets"][str(asset.pk)] is None
    await sync_to_async(lifecycle.mark_queued)(theirs)
    assert await communicator.receive_nothing(timeout=0.5)  # no update of theirs any more
    await communicator.disconnect()


async def test_a_deactivated_user_is_disconnected_at_the_next_resync(
    user: Any, make_generation: Any
) -> None:
    communicator = await connect(user)
    await subscribe(communicator, generations=[(await sync_to_async(make_generation)()).pk])
    user.is_active = False
    await sync_to_async(user.save)()
    await communicator.send_json_to({"type": "resync", "ref": "r1"})
    output = await communicator.receive_output()
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def revoke_wait_then_change(
    viewer: Any, asset: Asset, make_generation: Any, wait: float
) -> Any:
    """``viewer`` watches another user's generation with view_all, loses the permission
    (and never resyncs), ``wait`` seconds pass, then the generation changes: the socket."""
    communicator, theirs, permission = await watching_theirs_with_view_all(
        viewer, asset, make_generation
    )
    await sync_to_async(viewer.user_permissions.remove)(permission)
    await asyncio.sleep(wait)
    await sync_to_async(lifecycle.mark_queued)(theirs)
    return communicator


@override_settings(GENSTATUS_LIVE_USER_RECHECK=0.2)
async def test_a_revoked_view_all_permission_applies_without_any_resync(
    user: Any, other_user: Any, asset: Asset, make_generation: Any, monkeypatch: Any
) -> None:
    """A page that never resyncs (nothing active in view) still loses the standing: the
    server reads the user again on a timer. The test waits for those reads, not a time."""
    reads: list[None] = []
    original = GenerationStatusConsumer._refresh_user

    async def counted(self: Any) -> bool:
        try:
            return await original(self)
        finally:
            reads.append(None)

    monkeypatch.setattr(GenerationStatusConsumer, "_refresh_user", counted)
    communicator, theirs, permission = await watching_theirs_with_view_all(
        other_user, asset, make_generation
    )
    await sync_to_async(other_user.user_permissions.remove)(permission)
    before = len(reads)
    deadline = time.monotonic() + 10
    while len(reads) < before + 2:  # the second read began after the revocation
        assert time.monotonic() < deadline, "the user was not read again within 10 s"
        await asyncio.sleep(0.02)
    await sync_to_async(lifecycle.mark_queued)(theirs)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@override_settings(GENSTATUS_LIVE_USER_RECHECK=0.2)
async def test_a_deactivated_user_is_closed_without_any_resync_or_update(user: Any) -> None:
    communicator = await connect(user)
    await subscribe(communicator, assets=[])
    user.is_active = False
    await sync_to_async(user.save)()
    output = await communicator.receive_output(timeout=10)  # a wait, not a time limit
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_the_user_is_not_read_again_before_the_recheck_interval(
    user: Any, other_user: Any, asset: Asset, make_generation: Any
) -> None:
    """With the default interval (60 s) a revoked permission still applies until the next
    resync or the interval."""
    communicator = await revoke_wait_then_change(other_user, asset, make_generation, 0.3)
    frame = await next_of(communicator, "updates")
    assert frame["items"][0]["status"] == "queued"
    await communicator.disconnect()

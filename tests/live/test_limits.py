"""What one socket and one process may ask: the frame rate, one pending read per socket
(repeated subscribes collapse), the admission limit (4429) and the memory a flood leaves
behind; and the hub's index (a change reaches only the sockets interested in it)."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import tracemalloc
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.consumers import CLOSE_TRY_LATER, GenerationStatusConsumer
from genstatus.live import snapshots
from genstatus.live.hub import ALL, Interest
from genstatus.live.limits import LiveAdmissionMiddleware, admission
from tests.live.conftest import connect, make_communicator, next_of

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


class Gate:
    """Holds every snapshot read in its worker thread until ``open()``."""

    def __init__(self, monkeypatch: Any) -> None:
        self.event = threading.Event()
        self.reads = 0
        original = snapshots.read_snapshot

        def gated(*args: Any, **kwargs: Any) -> Any:
            self.reads += 1
            assert self.event.wait(30), "the gate was never opened"
            return original(*args, **kwargs)

        monkeypatch.setattr(snapshots, "read_snapshot", gated)

    def open(self) -> None:
        self.event.set()


async def test_subscribes_sent_while_a_read_is_pending_collapse_into_one_snapshot(
    user: Any, asset: Asset, make_generation: Any, monkeypatch: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    gate = Gate(monkeypatch)
    communicator = await connect(user)
    for i in range(30):
        await communicator.send_json_to({"type": "subscribe", "ref": i, "assets": [asset.pk]})
    more = {"type": "subscribe", "ref": "g", "generations": [generation.pk]}
    await communicator.send_json_to(more)
    await communicator.send_json_to({"type": "ping", "ref": "p"})
    assert (await next_of(communicator, "pong"))["ref"] == "p"  # every frame was handled
    gate.open()
    first = await next_of(communicator, "snapshot")
    second = await next_of(communicator, "snapshot")
    assert first["ref"] == 0
    assert second["ref"] == "g"  # frames 1-29 and "g": one read, the last frame's ref
    assert second["assets"][str(asset.pk)]["generation_id"] == generation.pk
    assert second["generations"][str(generation.pk)]["status"] == "pending"
    assert gate.reads == 2
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_frames_over_the_rate_are_refused_then_the_socket_is_closed(
    user: Any, asset: Asset, make_generation: Any
) -> None:
    await sync_to_async(make_generation)()
    flooder = await connect(user)
    other = await connect(user)
    burst = GenerationStatusConsumer.frame_burst
    for i in range(3 * burst):
        await flooder.send_json_to({"type": "ping", "ref": i})
    outputs = []
    while True:
        output = await flooder.receive_output()
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == CLOSE_TRY_LATER
    frames = [json.loads(o["text"]) for o in outputs[:-1]]
    assert [f["type"] for f in frames[:burst]] == ["pong"] * burst
    refusals = [f for f in frames if f["type"] == "error"]
    assert {f["code"] for f in refusals} == {"rate_limited"}
    assert len(refusals) == burst  # the next refusal closed it
    # (a frame or two more may pass as the bucket refills while they arrive)
    # another socket of the same user is served as usual
    await other.send_json_to({"type": "subscribe", "ref": "s", "assets": [asset.pk]})
    assert (await next_of(other, "snapshot"))["assets"][str(asset.pk)]["status"] == "pending"
    await other.disconnect()


async def test_a_flood_of_large_frames_leaves_no_memory_behind(user: Any, asset: Asset) -> None:
    """One socket sends 1,000 frames of ~50 KB (each under the 64 KiB limit) without reading:
    it is closed with 4429 and, once it is gone, the memory is back (no timing involved)."""
    ids = ",".join(str(n) for n in range(1, 1000))
    big = '{"type":"subscribe","assets":[' + ids + '],"pad":"' + "x" * 45_000 + '"}'
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        communicator = await connect(user)
        for _ in range(1000):
            await communicator.send_to(text_data=big[:-2] + ' "}')  # a fresh string each
        closed = None
        while closed is None:
            output = await communicator.receive_output()
            if output["type"] == "websocket.close":
                closed = output
        assert closed["code"] == CLOSE_TRY_LATER
        await communicator.wait()
        del communicator
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 5 * 1024 * 1024  # 1,000 frames were ~50 MB


async def closed_busy(user: Any) -> None:
    turned_away = make_communicator(user)
    connected, _ = await turned_away.connect()
    assert connected  # accepted, so that the browser can read the code
    assert await turned_away.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_TRY_LATER,
        "reason": "busy",
    }


async def test_beyond_the_admission_limit_sockets_are_told_to_come_back(
    user: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(GenerationStatusConsumer, "max_handshakes", 0)
    await closed_busy(user)
    monkeypatch.setattr(GenerationStatusConsumer, "max_handshakes", 1)
    admitted = await connect(user)  # the handshake is over once hello is sent
    await (await connect(user)).disconnect()
    await admitted.disconnect()


async def test_while_snapshot_reads_wait_new_sockets_are_told_to_come_back(
    user: Any, asset: Asset, make_generation: Any, monkeypatch: Any
) -> None:
    await sync_to_async(make_generation)()
    monkeypatch.setattr(GenerationStatusConsumer, "max_handshake_wait", 0.0)
    gate = Gate(monkeypatch)
    first, second = await connect(user), await connect(user)
    await first.send_json_to({"type": "subscribe", "ref": "s", "assets": [asset.pk]})
    while not gate.reads:  # the first read holds the reader thread (a wait, not a time)
        await asyncio.sleep(0.01)
    await second.send_json_to({"type": "subscribe", "ref": "s", "assets": [asset.pk, "9"]})
    await second.send_json_to({"type": "ping", "ref": "p"})
    assert (await next_of(second, "pong"))["ref"] == "p"  # its read is queued behind
    await closed_busy(user)  # the reader is behind: no new socket adds to it
    gate.open()
    for communicator in (first, second):
        assert (await next_of(communicator, "snapshot"))["ref"] == "s"
    admitted = await connect(user)  # the reader caught up: room again
    await admitted.send_json_to({"type": "subscribe", "ref": "s", "assets": [asset.pk]})
    assert (await next_of(admitted, "snapshot"))["ref"] == "s"
    for communicator in (first, second, admitted):
        await communicator.disconnect()


async def test_the_admission_middleware_refuses_before_the_stack_beyond_its_limit() -> None:
    """Counted from arrival: sockets still in the (slow) stack count; beyond the limit a
    socket is accepted and closed with 4429 without reaching the stack."""
    release = asyncio.Event()
    reached: list[Any] = []

    async def slow_stack(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope)
        await release.wait()  # a session read queued behind others

    middleware = LiveAdmissionMiddleware(slow_stack, limit=2)
    waiting = []
    for _ in range(2):
        communicator = WebsocketCommunicator(middleware, "/ws/genstatus/")
        waiting.append(asyncio.ensure_future(communicator.connect()))
    await asyncio.sleep(0)
    refused = WebsocketCommunicator(middleware, "/ws/genstatus/")
    connected, _ = await refused.connect()
    assert connected
    assert (await refused.receive_output())["code"] == CLOSE_TRY_LATER
    assert len(reached) == 2
    release.set()
    await asyncio.gather(*waiting, return_exceptions=True)
    assert admission().count == 0  # every ticket released


async def test_a_change_reaches_only_the_sockets_interested_in_it(
    user: Any, other_user: Any, asset: Asset, make_generation: Any, monkeypatch: Any
) -> None:
    generation = await sync_to_async(make_generation)()
    called: list[Any] = []
    original = GenerationStatusConsumer.hub_deliver

    async def spy(self: Any, event: Any, indices: Any) -> None:
        called.append(self)
        await original(self, event, indices)

    monkeypatch.setattr(GenerationStatusConsumer, "hub_deliver", spy)
    watcher = await connect(user)
    elsewhere = [await connect(user) for _ in range(5)]
    stranger = await connect(other_user)
    await watcher.send_json_to({"type": "subscribe", "assets": [asset.pk]})
    await next_of(watcher, "snapshot")
    for communicator in [*elsewhere, stranger]:
        await communicator.send_json_to({"type": "subscribe", "assets": ["424242"]})
        await next_of(communicator, "snapshot")
    await sync_to_async(lifecycle.mark_queued)(generation)
    assert (await next_of(watcher, "updates"))["items"][0]["status"] == "queued"
    # only the watcher's consumer was called (maybe twice: the creation's batch may land
    # late on Redis), not the six sockets following other assets
    assert len(set(map(id, called))) == 1
    for communicator in [watcher, *elsewhere, stranger]:
        await communicator.disconnect()


def test_interest_index_finds_followers_panels_and_nothing_else() -> None:
    interest = Interest()
    follower, row_follower, own_panel, all_panel, other_panel = (object() for _ in range(5))
    interest.follow(follower, assets=["7"])
    interest.follow(row_follower, generations=[9])
    interest.watch_panel(own_panel, "1")
    interest.watch_panel(all_panel, ALL)
    interest.watch_panel(other_panel, "2")
    item = {"generation_id": 9, "asset_id": 7}
    event = {"items": [item, {"generation_id": 10, "asset_id": None}], "owners": ["1", "2"]}
    assert interest.targets(event) == {
        follower: [0],
        row_follower: [0],
        own_panel: [0],
        all_panel: [0, 1],
        other_panel: [1],
    }
    for member in (follower, row_follower, own_panel, all_panel, other_panel):
        interest.drop(member)
    assert interest.targets(event) == {}
    assert interest.assets == interest.generations == interest.panels == {}

"""The hub: the one channel-layer listener of each event loop that serves WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import weakref
from typing import Any, Protocol

from genstatus.live.payload import EVENT_TYPE
from genstatus.live.publisher import HUB_GROUP, layer, publisher
from genstatus.live.reader import release_connection

logger = logging.getLogger("genstatus.live")


class HubMember(Protocol):
    """What a hub needs from a consumer (``GenerationStatusConsumer``)."""

    async def hub_deliver(self, event: dict[str, Any], indices: list[int]) -> None: ...

    async def hub_resync(self) -> None: ...


class Hub:
    """The one channel-layer listener of an event loop that serves WebSockets.

    It joins ``HUB_GROUP`` with one channel and hands each coalesced batch to the local
    consumers that may want its items (``hub_deliver``: filter, then send one frame); a
    flush therefore costs one layer message per process whatever the number of sockets.
    Members are indexed (``Interest``) by the assets and generations they follow and, for
    panels, by whose generations they may see, so an item costs work only for the sockets
    interested in it, not for every socket of the process. The consumers have no
    layer channel of their own, so a layer outage does not close any socket: the hub logs
    it, retries with backoff, joins again when the layer is back and then asks every
    consumer for a fresh snapshot (``hub_resync``, spread over ``resync_spread`` seconds),
    since whatever was published meanwhile is lost. Membership is renewed every
    ``rejoin_every`` seconds (channels-redis forgets members after ``group_expiry``).
    """

    rejoin_every = 600.0
    retry_max = 5.0
    resync_spread = 1.0

    def __init__(self, loop: asyncio.AbstractEventLoop, channel_layer: Any) -> None:
        self.loop = loop
        self.layer = channel_layer
        self.members: dict[HubMember, None] = {}  # insertion-ordered set
        self.interest = Interest()
        self.channel: str | None = None
        self.joined = asyncio.Event()
        self.tried = asyncio.Event()  # the first join attempt ended, either way
        self.delivered_batches = 0
        self.outages = 0
        self._stopping = False
        self._lost = False  # in an outage: resync the members once the layer is back
        self._delay = 0.25  # the next retry's backoff
        self.task = loop.create_task(self._run(), name="genstatus-hub")

    # -- members ----------------------------------------------------------------------
    def add(self, member: HubMember) -> None:
        self.members[member] = None

    async def leave(self, member: HubMember) -> None:
        """Unregister; the last member out stops the hub and waits for it to leave the
        group (a loop that ends next, as in tests, must not keep the layer's locks)."""
        self.members.pop(member, None)
        self.interest.drop(member)
        if not self.members:
            self.stop()
            release_connection()  # no socket left: the reader's kept connection goes too
            await asyncio.wait([self.task], timeout=3)

    async def ready(self, timeout: float = 5.0) -> bool:
        """Wait until the hub is in its group (True), or its first attempt failed."""
        if not self.tried.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.tried.wait(), timeout)
        return self.joined.is_set()

    def stop(self) -> None:
        self._stopping = True
        if _hubs.get(self.loop) is self:
            del _hubs[self.loop]
        if not self.task.done():
            self.task.cancel()

    # -- the listener -------------------------------------------------------------------
    async def _run(self) -> None:
        renew = self.loop.create_task(self._renew())
        try:
            while True:
                event = await self._receive()
                if event is not None:
                    await self._dispatch(event)
        finally:
            renew.cancel()
            await self._quit_group()

    async def _receive(self) -> dict[str, Any] | None:
        """The next layer message, joining the group first when needed; None after a
        failure (logged once per outage, then a backoff sleep)."""
        try:
            await self._join()
            event: dict[str, Any] = await self.layer.receive(self.channel)
            return event
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._failed()
            return None

    async def _join(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
        if self.joined.is_set():
            return
        await self.layer.group_add(HUB_GROUP, self.channel)
        self.joined.set()
        self.tried.set()
        if self._lost:
            logger.warning("genstatus: channel layer is back; resyncing clients")
            self._resync_members()
            self._lost = False
        self._delay = 0.25

    async def _failed(self) -> None:
        if not self._lost:
            self.outages += 1
            logger.error(
                "genstatus: the channel layer failed; live updates pause until it is back",
                exc_info=True,
            )
        self._lost = True
        self.joined.clear()
        self.tried.set()
        await asyncio.sleep(self._delay)
        self._delay = min(self._delay * 2, self.retry_max)

    async def _quit_group(self) -> None:
        # channels-redis releases a per-process lock when the clean-up task of the last
        # receive ends: let it end on this loop (a loop that stops next, as in tests,
        # would leave the lock held for the next one)
        cleaners = list(getattr(self.layer, "receive_cleaners", ()))
        if cleaners:
            await asyncio.wait(cleaners, timeout=2)
        if self.channel is not None and self.joined.is_set():
            # best effort: the layer expires members anyway
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.layer.group_discard(HUB_GROUP, self.channel), 2)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.rejoin_every)
            if self.joined.is_set() and self.channel is not None:
                try:
                    await self.layer.group_add(HUB_GROUP, self.channel)
                except Exception:
                    logger.warning("genstatus: could not renew the hub's group membership")

    async def _dispatch(self, event: dict[str, Any]) -> None:
        if event.get("type") != EVENT_TYPE:
            return
        self.delivered_batches += 1
        for member, indices in self.interest.targets(event).items():
            try:
                await member.hub_deliver(event, indices)
            except Exception:
                logger.exception("genstatus: delivering live updates to a socket failed")

    def _resync_members(self) -> None:
        for member in list(self.members):
            delay = random.uniform(0, self.resync_spread)
            self.loop.call_later(delay, self._spawn_resync, member)

    def _spawn_resync(self, member: HubMember) -> None:
        if member in self.members:
            self.loop.create_task(member.hub_resync())


ALL = "*"  # the panel key of a socket whose user sees every generation


class Interest:
    """Which member may want which item: members by followed asset id (text), followed
    generation id, and panel members by the owner they may see (``ALL``: everybody's)."""

    def __init__(self) -> None:
        self.assets: dict[str, set[Any]] = {}
        self.generations: dict[int, set[Any]] = {}
        self.panels: dict[str, set[Any]] = {}
        self._keys: dict[Any, tuple[set[str], set[int], list[str]]] = {}

    def _of(self, member: Any) -> tuple[set[str], set[int], list[str]]:
        keys = self._keys.get(member)
        if keys is None:
            keys = self._keys[member] = (set(), set(), [])
        return keys

    def follow(self, member: Any, assets: Any = (), generations: Any = ()) -> None:
        mine_assets, mine_generations, _ = self._of(member)
        for asset in assets:
            self.assets.setdefault(asset, set()).add(member)
            mine_assets.add(asset)
        for gid in generations:
            self.generations.setdefault(gid, set()).add(member)
            mine_generations.add(gid)

    def unfollow(self, member: Any, assets: Any = (), generations: Any = ()) -> None:
        mine_assets, mine_generations, _ = self._of(member)
        for asset in assets:
            _discard(self.assets, asset, member)
            mine_assets.discard(asset)
        for gid in generations:
            _discard(self.generations, gid, member)
            mine_generations.discard(gid)

    def watch_panel(self, member: Any, key: str | None) -> None:
        """The member's panel sees ``key``'s generations (an owner id as text, ``ALL``), or
        no panel (None)."""
        panel = self._of(member)[2]
        for old in panel:
            _discard(self.panels, old, member)
        panel.clear()
        if key is not None:
            self.panels.setdefault(key, set()).add(member)
            panel.append(key)

    def drop(self, member: Any) -> None:
        keys = self._keys.pop(member, None)
        if keys is None:
            return
        for asset in keys[0]:
            _discard(self.assets, asset, member)
        for gid in keys[1]:
            _discard(self.generations, gid, member)
        for key in keys[2]:
            _discard(self.panels, key, member)

    def targets(self, event: dict[str, Any]) -> dict[Any, list[int]]:
        """Each interested member and the indices of the items it may want."""
        out: dict[Any, list[int]] = {}
        empty: set[Any] = set()
        for index, (item, owner) in enumerate(zip(event["items"], event["owners"], strict=True)):
            asset = item.get("asset_id")
            found = (
                self.generations.get(item["generation_id"], empty)
                | (empty if asset is None else self.assets.get(str(asset), empty))
                | self.panels.get(ALL, empty)
                | (empty if owner is None else self.panels.get(str(owner), empty))
            )
            for member in found:
                out.setdefault(member, []).append(index)
        return out


def _discard(index: dict[Any, set[Any]], key: Any, member: Any) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(member)
        if not members:
            del index[key]


# One hub per event loop that serves WebSockets (daphne has one; a test suite one per test);
# weak, so that a closed loop's hub goes with it.
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running loop (created on first use, again if the layer changed)."""
    loop = asyncio.get_running_loop()
    channel_layer = layer()
    current = _hubs.get(loop)
    if current is None or current.layer is not channel_layer or current.task.done():
        if current is not None:
            current.stop()
        current = _hubs[loop] = Hub(loop, channel_layer)
        publisher.register_home_loop(loop)
    return current

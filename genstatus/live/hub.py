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

logger = logging.getLogger("genstatus.live")


class HubMember(Protocol):
    """What a hub needs from a consumer (``GenerationStatusConsumer``)."""

    async def hub_deliver(self, event: dict[str, Any]) -> None: ...

    async def hub_resync(self) -> None: ...


class Hub:
    """The one channel-layer listener of an event loop that serves WebSockets.

    It joins ``HUB_GROUP`` with one channel and hands each coalesced batch to the local
    consumers in turn (``hub_deliver``: filter, then send one frame); a flush therefore costs
    one layer message per process whatever the number of sockets. The consumers have no
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
        if not self.members:
            self.stop()
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
        for member in list(self.members):
            try:
                await member.hub_deliver(event)
            except Exception:
                logger.exception("genstatus: delivering live updates to a socket failed")

    def _resync_members(self) -> None:
        for member in list(self.members):
            delay = random.uniform(0, self.resync_spread)
            self.loop.call_later(delay, self._spawn_resync, member)

    def _spawn_resync(self, member: HubMember) -> None:
        if member in self.members:
            self.loop.create_task(member.hub_resync())


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

"""Publishing generation changes to the channel layer, coalesced, from any kind of code.

The signal receivers here run after commit (``lifecycle`` sends the signals from
``on_commit``). They never block and never call ``async_to_sync``: a change is put in a
per-process buffer keyed by generation id (a newer version replaces an older one), and a
flush ``LIVE_COALESCE`` seconds later sends one layer message (group ``gs.hub``) with every
change of the window. So a burst of 10,000 changes becomes a few messages, and publishing
works the same from plain sync code, from async code and from sync code running while an
event loop is active in the same thread (Playwright's sync API, Jupyter).

Where the flush runs:

- a cross-process layer (``channels_redis``): a daemon thread with its own event loop,
  started on first use in each process (again after a fork); ``atexit`` flushes what is
  pending, so a worker script that exits right after a change still publishes it.
- ``InMemoryChannelLayer``: its queues belong to the loop that serves the WebSockets, so
  the flush runs on that loop (the consumer registers it on connect). Nobody listens in a
  process without consumers, and there nothing is sent.

Each serving process receives a flush once, on its hub (``Hub``), which hands it to the
local consumers. Delivery stays at most once: clients converge from snapshots and
versions (docs/live.md).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import random
import threading
import weakref
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any, Protocol

from django.core.serializers.json import DjangoJSONEncoder

from genstatus.conf import genstatus_settings
from genstatus.states import DISPLAY, status_display

logger = logging.getLogger("genstatus.live")

EVENT_TYPE = "genstatus.changes"  # the consumer's ``genstatus_changes`` handler
PROMPT_MAX = 500  # characters of the prompt a panel row needs (full text on hover)


# One group for the whole site. Each process that serves WebSockets has one hub (below):
# one layer channel in this group, so a flush is one layer message per daphne process, not
# one per socket; the hub hands it to the process's consumers with plain function calls,
# and each consumer keeps only what its user may see and its page shows.
HUB_GROUP = "gs.hub"


def display_dict(status: str) -> dict[str, Any]:
    data = status_display(status).as_dict()
    data.pop("status", None)
    return data


def all_displays() -> dict[str, dict[str, Any]]:
    return {str(status): display_dict(status) for status in DISPLAY}


def _json_id(value: Any) -> Any:
    return value if value is None or isinstance(value, int) else str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _retried_as_id(generation: Any) -> Any:
    """The id of the attempt that retried ``generation`` when it is already loaded (set by
    ``lifecycle.retry``, or ``select_related("retried_as")``), else None: never a query."""
    descriptor = getattr(type(generation), "retried_as", None)
    if descriptor is None or not descriptor.is_cached(generation):
        return None
    attempt = descriptor.related.get_cached_value(generation)
    return None if attempt is None else _json_id(attempt.pk)


def generation_payload(generation: Any, kind: str = "") -> dict[str, Any]:
    """The wire form of one generation: what a badge or a panel row needs, and no owner."""
    return {
        "generation_id": generation.pk,
        "asset_id": _json_id(generation.asset_id),
        "status": str(generation.status),
        "version": generation.version,
        "progress": generation.progress,
        "error_message": generation.error_message,
        "error_code": generation.error_code,
        "updated_at": _iso(generation.updated_at),
        "created_at": _iso(generation.created_at),
        "provider": generation.provider,
        "operation_type": generation.operation_type,
        "prompt": (generation.prompt or "")[:PROMPT_MAX],
        "retry_count": generation.retry_count,
        "cancel_requested": generation.cancel_requested_at is not None,
        "retried_as": _retried_as_id(generation),
        "kind": kind,
        "display": display_dict(generation.status),
    }


def build_event(changes: Iterable[tuple[dict[str, Any], Any]]) -> dict[str, Any]:
    """One layer message: the changes, their owners (for scoping, never sent to browsers),
    and the frame pre-serialised once for the consumers that forward all of it."""
    items = []
    owners = []
    for payload, owner_id in changes:
        items.append(payload)
        # as text: msgpack (channels-redis) cannot carry a UUID primary key
        owners.append(None if owner_id is None else str(owner_id))
    frame = DjangoJSONEncoder(separators=(",", ":")).encode({"type": "updates", "items": items})
    return {"type": EVENT_TYPE, "items": items, "owners": owners, "frame": frame}


class Publisher:
    """The per-process coalescing buffer and the loop that flushes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Any, tuple[dict[str, Any], Any]] = {}
        self._scheduled = False
        self._pid = os.getpid()
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self._home_loop: asyncio.AbstractEventLoop | None = None
        self._inflight: set[Future[Any]] = set()
        self._scheduled_loop: asyncio.AbstractEventLoop | None = None
        self.sent_messages = 0  # layer messages sent by this process (tests, bench)
        self.failed_messages = 0

    # -- entry points -------------------------------------------------------------------
    def publish(self, payload: dict[str, Any], owner_id: Any) -> None:
        """Queue one change; a newer version of the same generation replaces an older one."""
        self._after_fork()
        key = payload["generation_id"]
        with self._lock:
            current = self._pending.get(key)
            if current is None or payload["version"] >= current[0]["version"]:
                self._pending[key] = (payload, owner_id)
            # a timer armed on a loop that has since stopped never fires: arm a new one
            armed_on = self._scheduled_loop
            dead = armed_on is None or armed_on.is_closed() or not armed_on.is_running()
            schedule = not self._scheduled or dead
            self._scheduled = True
        if schedule:
            self._schedule()

    def register_home_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop that serves WebSockets here (needed by the in-memory layer)."""
        self._home_loop = loop

    def flush(self, timeout: float = 5.0) -> bool:
        """Send what is pending now and wait for it (workers before they exit). Safe from
        any thread that is not the flushing loop's own. True when everything was sent."""
        self._after_fork()
        loop = self._loop_for(_layer())
        if loop is None:
            return True
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:  # cannot wait for our own loop; it sends soon anyway
            loop.create_task(self._flush())
            return False
        with self._lock:
            self._scheduled = True  # a flush is on its way: no second timer
        with self._lock:
            inflight = list(self._inflight)
        futures = [asyncio.run_coroutine_threadsafe(self._flush(), loop), *inflight]
        ok = True
        for future in futures:
            try:
                if future.result(timeout) is False:
                    ok = False  # the layer refused it (logged)
            except Exception:
                ok = False
        return ok

    # -- internals ----------------------------------------------------------------------
    def _after_fork(self) -> None:
        if os.getpid() != self._pid:  # a forked worker: the parent's thread is not here
            self.__init__()  # type: ignore[misc]

    def _loop_for(self, layer: Any) -> asyncio.AbstractEventLoop | None:
        if layer is None:
            return None
        if _is_in_process(layer):
            loop = self._home_loop
            if loop is None or loop.is_closed() or not loop.is_running():
                return None
            return loop
        if self._thread_loop is None or self._thread_loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="genstatus-live", daemon=True)
            thread.start()
            self._thread_loop = loop
        return self._thread_loop

    def _schedule(self) -> None:
        loop = self._loop_for(_layer())
        if loop is None:
            with self._lock:
                dropped = len(self._pending)
                self._pending.clear()
                self._scheduled = False
            logger.debug("genstatus: no channel layer listener here; %d change(s) dropped", dropped)
            return
        delay = max(0.0, genstatus_settings.LIVE_COALESCE)
        self._scheduled_loop = loop

        def arm() -> None:
            loop.call_later(delay, self._start_flush)

        loop.call_soon_threadsafe(arm)

    def _start_flush(self) -> None:
        future = asyncio.ensure_future(self._flush())
        wrapped: Future[Any] = Future()
        with self._lock:
            self._inflight.add(wrapped)

        def done(task: asyncio.Future[Any]) -> None:
            with self._lock:
                self._inflight.discard(wrapped)
            wrapped.set_result(None)

        future.add_done_callback(done)

    async def _flush(self) -> bool:
        with self._lock:
            batch = self._pending
            self._pending = {}
            self._scheduled = False
        if not batch:
            return True
        layer = _layer()
        if layer is None:
            return True
        try:
            await layer.group_send(HUB_GROUP, build_event(batch.values()))
        except Exception:
            self.failed_messages += 1
            logger.error(
                "genstatus: publishing %d change(s) to the channel layer failed; clients "
                "converge by resync",
                len(batch),
                exc_info=True,
            )
            return False
        self.sent_messages += 1
        return True


def _layer() -> Any:
    from channels.layers import get_channel_layer

    return get_channel_layer()


def _is_in_process(layer: Any) -> bool:
    from channels.layers import InMemoryChannelLayer

    return isinstance(layer, InMemoryChannelLayer)


publisher = Publisher()


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

    def __init__(self, loop: asyncio.AbstractEventLoop, layer: Any) -> None:
        self.loop = loop
        self.layer = layer
        self.members: dict[HubMember, None] = {}  # insertion-ordered set
        self.channel: str | None = None
        self.joined = asyncio.Event()
        self.tried = asyncio.Event()  # the first join attempt ended, either way
        self.delivered_batches = 0
        self.outages = 0
        self._stopping = False
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
        delay = 0.25
        lost = False
        renew: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    if self.channel is None:
                        self.channel = await self.layer.new_channel()
                    if not self.joined.is_set():
                        await self.layer.group_add(HUB_GROUP, self.channel)
                        self.joined.set()
                        self.tried.set()
                        if renew is None:
                            renew = self.loop.create_task(self._renew())
                        if lost:
                            logger.warning("genstatus: channel layer is back; resyncing clients")
                            self._resync_members()
                            lost = False
                        delay = 0.25
                    event = await self.layer.receive(self.channel)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if not lost:
                        self.outages += 1
                        logger.error(
                            "genstatus: the channel layer failed; live updates pause until "
                            "it is back",
                            exc_info=True,
                        )
                    lost = True
                    self.joined.clear()
                    self.tried.set()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.retry_max)
                    continue
                await self._dispatch(event)
        finally:
            if renew is not None:
                renew.cancel()
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


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running loop (created on first use, again if the layer changed)."""
    loop = asyncio.get_running_loop()
    layer = _layer()
    current = _hubs.get(loop)
    if current is None or current.layer is not layer or current.task.done():
        if current is not None:
            current.stop()
        current = _hubs[loop] = Hub(loop, layer)
        publisher.register_home_loop(loop)
    return current


def publish(generation: Any, kind: str = "") -> None:
    """Publish ``generation``'s current state (never blocks, any thread, any loop)."""
    if not genstatus_settings.LIVE:
        return
    publisher.publish(generation_payload(generation, kind), generation.owner_id)


async def apublish(generation: Any, kind: str = "") -> None:
    """``publish`` for async code (it does not block either; nothing to await)."""
    publish(generation, kind)


def flush(timeout: float = 5.0) -> bool:
    """Send pending changes now and wait for them (call before a worker process exits)."""
    return publisher.flush(timeout)


# -- signal receivers (connected in GenstatusConfig.ready) ----------------------------------
def on_status_changed(sender: Any, generation: Any, kind: str = "", **kwargs: Any) -> None:
    publish(generation, kind or "transition")


def on_created(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "created")


def on_progressed(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "progress")


def on_cancel_requested(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "cancel_requested")


def on_retried(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "retried")


def connect_receivers() -> None:
    from genstatus import signals

    signals.generation_status_changed.connect(on_status_changed, dispatch_uid="genstatus.live")
    signals.generation_created.connect(on_created, dispatch_uid="genstatus.live")
    signals.generation_progressed.connect(on_progressed, dispatch_uid="genstatus.live")
    signals.generation_cancel_requested.connect(on_cancel_requested, dispatch_uid="genstatus.live")
    signals.generation_retried.connect(on_retried, dispatch_uid="genstatus.live")


@atexit.register
def _flush_at_exit() -> None:
    if publisher._pending:
        try:
            publisher.flush(timeout=3.0)
        except Exception:
            logger.exception("genstatus: could not flush live updates at exit")

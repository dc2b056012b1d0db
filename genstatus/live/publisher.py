"""Publishing generation changes to the channel layer, coalesced, from any kind of code.

The signal receivers (``genstatus.live.receivers``) run after commit (``lifecycle`` sends
the signals from ``on_commit``). They never block and never call ``async_to_sync``: a
change is put in a per-process buffer keyed by generation id (a newer version replaces an
older one), and a flush ``LIVE_COALESCE`` seconds later sends one layer message (group
``gs.hub``) with every change of the window. So a burst of 10,000 changes becomes a few
messages, and publishing works the same from plain sync code, from async code and from
sync code running while an event loop is active in the same thread (Playwright's sync
API, Jupyter).

Where the flush runs:

- a cross-process layer (``channels_redis``): a daemon thread with its own event loop,
  started on first use in each process (again after a fork); ``atexit`` flushes what is
  pending, so a worker script that exits right after a change still publishes it.
- ``InMemoryChannelLayer``: its queues belong to the loop that serves the WebSockets, so
  the flush runs on that loop (the hub registers it). Nobody listens in a process without
  consumers, and there nothing is sent.

Each serving process receives a flush once, on its hub (``genstatus.live.hub``), which
hands it to the local consumers. Delivery stays at most once: clients converge from
snapshots and versions (docs/live.md).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

from genstatus.conf import genstatus_settings
from genstatus.live.payload import build_event, generation_payload

logger = logging.getLogger("genstatus.live")

# One group for the whole site. Each process that serves WebSockets has one hub: one layer
# channel in this group, so a flush is one layer message per daphne process, not one per
# socket; the hub hands it to the process's consumers with plain function calls, and each
# consumer keeps only what its user may see and its page shows.
HUB_GROUP = "gs.hub"


def layer() -> Any:
    """The default channel layer (None when the project configures none)."""
    from channels.layers import get_channel_layer

    return get_channel_layer()


def is_in_process(channel_layer: Any) -> bool:
    from channels.layers import InMemoryChannelLayer

    return isinstance(channel_layer, InMemoryChannelLayer)


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
        self._holds = 0
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
        loop = self._loop_for(layer())
        if loop is None:
            return True
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:  # cannot wait for our own loop; it sends soon anyway
            loop.create_task(self._flush(force=True))
            return False
        with self._lock:
            self._scheduled = True  # a flush is on its way: no second timer
        with self._lock:
            inflight = list(self._inflight)
        futures = [asyncio.run_coroutine_threadsafe(self._flush(force=True), loop), *inflight]
        ok = True
        for future in futures:
            try:
                if future.result(timeout) is False:
                    ok = False  # the layer refused it (logged)
            except Exception:
                ok = False
        return ok

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Queue changes without sending them until the block ends; then the usual window
        sends them coalesced (a bulk action, a test that needs one batch whatever the
        machine's speed). ``flush()`` still sends at once."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                release = self._holds == 0 and bool(self._pending)
                if release:
                    self._scheduled = True
            if release:
                self._schedule()

    def has_pending(self) -> bool:
        with self._lock:
            return bool(self._pending)

    # -- internals ----------------------------------------------------------------------
    def _after_fork(self) -> None:
        if os.getpid() != self._pid:  # a forked worker: the parent's thread is not here
            self.__init__()  # type: ignore[misc]

    def _loop_for(self, channel_layer: Any) -> asyncio.AbstractEventLoop | None:
        if channel_layer is None:
            return None
        if is_in_process(channel_layer):
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
        loop = self._loop_for(layer())
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

    async def _flush(self, *, force: bool = False) -> bool:
        with self._lock:
            if self._holds and not force:  # held: ``hold()`` schedules the flush at its end
                self._scheduled = False
                return True
            batch = self._pending
            self._pending = {}
            self._scheduled = False
        if not batch:
            return True
        channel_layer = layer()
        if channel_layer is None:
            return True
        try:
            await channel_layer.group_send(HUB_GROUP, build_event(batch.values()))
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


# The process's one coalescing buffer: changes of every thread meet here, so that a burst
# becomes one layer message per window.
publisher = Publisher()


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


@atexit.register
def _flush_at_exit() -> None:
    if publisher.has_pending():
        try:
            publisher.flush(timeout=3.0)
        except Exception:
            logger.exception("genstatus: could not flush live updates at exit")

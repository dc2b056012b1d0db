"""What a live socket reads, queued and merged; its standing, read again on a timer.

A mixin of ``genstatus.consumers.GenerationStatusConsumer`` (Channels-free: it only calls
the consumer's ``send_json`` and ``close``). Frames never wait for the database: a frame
that needs a snapshot adds to the socket's one pending ``SnapshotRequest``; one task per
socket reads them in turn through the loop's batched reader. So a socket has at most one
read running and one waiting, however many frames it sends, and repeated subscribes
collapse into one read.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from genstatus.conf import genstatus_settings
from genstatus.live import snapshots, standing
from genstatus.live.reader import reader
from genstatus.models import Visibility

logger = logging.getLogger("genstatus.live")

CLOSE_UNAUTHENTICATED = 4401


@dataclass
class SnapshotRequest:
    """What the next snapshot read covers: frames that ask for one while a read is pending
    merge here; ``full`` re-reads the user's standing and everything subscribed (a resync).
    The answer carries the ``ref`` of the last frame merged."""

    assets: set[str] = field(default_factory=set)
    generations: set[int] = field(default_factory=set)
    panel: dict[str, str] | None = None
    since: int = 0
    full: bool = False
    ref: Any = None


class SocketReads:
    """Snapshots and the user's standing of one socket (see the module docstring)."""

    user: Any
    session_key: str | None
    visibility: Visibility | None
    closed: bool
    assets: set[str]
    generations: set[int]
    panel: dict[str, str] | None
    panel_since: int
    sent_versions: dict[int, int]
    pending: SnapshotRequest | None
    reading: asyncio.Task[None] | None
    hub: Any
    panel_snapshot_limit: int

    if TYPE_CHECKING:  # the consumer's

        async def send_json(self, content: Any, close: bool = False) -> None: ...

        async def close(self, code: int | None = None, reason: str | None = None) -> None: ...

        def _index_panel(self) -> None: ...

        def _follow_row(self, gid: int) -> None: ...

    # -- snapshots --------------------------------------------------------------------------
    def _request(self, ref: Any) -> SnapshotRequest:
        """The pending request (new or merged into), with ``ref``; its read is under way."""
        if self.pending is None:
            self.pending = SnapshotRequest()
        self.pending.ref = ref
        if self.reading is None and not self.closed:
            self.reading = asyncio.get_running_loop().create_task(self._read_loop())
        return self.pending

    async def _read_loop(self) -> None:
        try:
            while self.pending is not None and not self.closed:
                request, self.pending = self.pending, None
                await self._serve(request)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("genstatus: a live snapshot read failed", exc_info=True)
            self.closed = True
            await self.close(code=1011)  # the client reconnects and tries again
        finally:
            self.reading = None

    async def _serve(self, request: SnapshotRequest) -> None:
        if request.full:
            assets, generations = sorted(self.assets), sorted(self.generations)
            panel = self.panel
        else:
            assets, generations = sorted(request.assets), sorted(request.generations)
            panel = request.panel
        started = asyncio.get_running_loop().time()
        limit, since, user = self.panel_snapshot_limit, request.since, self.user
        seen, session_key = self.visibility, self.session_key

        def read(memo: dict[Any, Any]) -> tuple[Any, Visibility | None, dict[str, Any]]:
            fresh: Any = None
            visible = seen
            if request.full:
                fresh = _standing_once(user.pk, session_key, memo)
                visible = None if fresh is None else fresh[1]
            elif visible is None:  # the first read: the user the session middleware read
                visible = standing.visibility_once(user, memo)
            if visible is None or visible.nobody:
                return fresh, None, {}
            body = snapshots.read_snapshot(visible, assets, generations, panel, since, limit)
            return fresh, visible, body

        panel_key = None if panel is None else tuple(sorted(panel.items()))
        key: tuple[Any, ...] = ("snapshot", request.full, user.pk, session_key, seen, tuple(assets))
        key += (tuple(generations), panel_key, since, limit)
        fresh, visible, body = await reader().read(key, read)
        if self.closed:
            return
        if request.full and not await self._apply_standing(started, fresh):
            return
        if visible is None:
            await self._end_session()
            return
        if self.visibility is None:
            self.visibility = visible
            self._index_panel()
        await self._send_snapshot(body, request.ref)

    async def _send_snapshot(self, snapshot: dict[str, Any], ref: Any) -> None:
        for item in [*snapshot["assets"].values(), *snapshot["generations"].values()]:
            if item is not None:
                gid = item["generation_id"]
                self.sent_versions[gid] = max(self.sent_versions.get(gid, 0), item["version"])
        for item in snapshot["panel"]:
            gid = item["generation_id"]
            self.sent_versions[gid] = item["version"]
            self._follow_row(gid)
            self.panel_since = max(self.panel_since, gid)
        await self.send_json({"type": "snapshot", "ref": ref, **snapshot})

    # -- the user's standing, read again -----------------------------------------------------
    def _start_user_timer(self) -> None:
        # The standing (session, active, visibility) is read again on a timer, whether or not
        # the page resyncs; 80-100 % of the interval, so that sockets connected together do
        # not all read at once and none waits longer than the interval.
        loop = asyncio.get_running_loop()
        self.user_read_at = loop.time()  # when the read now applied started
        self.user_recheck = genstatus_settings.LIVE_USER_RECHECK * random.uniform(0.8, 1.0)
        self.user_check: asyncio.Task[Any] | None = None
        self.user_timer: asyncio.TimerHandle | None = loop.call_later(
            self.user_recheck, self._user_read_due
        )

    async def _refresh_user(self) -> bool:
        """Read the standing again (every ``GENSTATUS_LIVE_USER_RECHECK`` seconds; a resync
        reads it with its snapshot): an ended session or a deactivated user is disconnected
        (4401) and a revoked ``view_all_generations`` stops applying, not only from the next
        connection. Sockets of one session reading together share the read. False when
        the socket is closed."""
        started = asyncio.get_running_loop().time()
        pk, session_key = self.user.pk, self.session_key
        fresh = await reader().read(
            ("standing", pk, session_key),
            lambda memo: _standing_once(pk, session_key, memo),
        )
        if self.closed:
            return False
        return await self._apply_standing(started, fresh)

    async def _apply_standing(self, started: float, fresh: Any) -> bool:
        """Apply a standing read that started at ``started``, unless a later one was applied
        meanwhile (of two overlapping reads, the one that started last decides)."""
        if started < self.user_read_at:
            return True
        self.user_read_at = started
        if fresh is None:
            await self._end_session()
            return False
        self.user, self.visibility = fresh
        self._index_panel()
        return True

    async def _end_session(self) -> None:
        self.closed = True
        await self.close(code=CLOSE_UNAUTHENTICATED)

    def _user_read_due(self) -> None:
        """The timer: read the standing in the background, unless a resync read it recently
        (a page with active jobs resyncs every 10 s: its timer then never reads). The
        fan-out never waits for this read."""
        self.user_timer = None
        if self.closed or self.user_check is not None:
            return
        loop = asyncio.get_running_loop()
        due = self.user_read_at + self.user_recheck
        if loop.time() < due:
            self.user_timer = loop.call_at(due, self._user_read_due)
            return
        self.user_check = loop.create_task(self._read_user_in_background())

    async def _read_user_in_background(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await self._refresh_user()
        except Exception:
            logger.warning("genstatus: re-reading a live socket's user failed", exc_info=True)
        finally:
            self.user_check = None
            if not self.closed:
                self.user_timer = loop.call_later(self.user_recheck, self._user_read_due)


def _standing_once(pk: Any, session_key: str | None, memo: dict[Any, Any]) -> standing.Standing:
    """``standing.read_standing``, once per session in a reader batch."""
    key = ("standing", pk, session_key)
    if key not in memo:
        memo[key] = result = standing.read_standing(pk, session_key)
        if result is not None:  # an ended session is that session's, not the user's
            standing.remember(pk, result[1], memo)
    found: standing.Standing = memo[key]
    return found

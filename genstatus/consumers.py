"""The WebSocket consumer behind live badges and panel rows.

Protocol (docs/live.md has the full description): the client subscribes to asset ids,
generation ids and/or the panel with its filters; the server answers every subscribe and
resync with a snapshot from the database, then pushes small versioned ``updates`` frames.
Every item is checked against what the user may see (``genstatus.models.visibility``, one
``Visibility`` per socket, read again on a timer) before it is sent.

Each client frame's ``type`` picks its handler (``handle_<type>``); the database is read in
worker threads (``genstatus.live.snapshots``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from genstatus import live, states
from genstatus.conf import genstatus_settings
from genstatus.live import protocol, snapshots
from genstatus.live.protocol import ProtocolError
from genstatus.live.publisher import layer
from genstatus.models import Visibility, visibility

logger = logging.getLogger("genstatus.live")

PROTOCOL_VERSION = 1
CLOSE_UNAUTHENTICATED = 4401  # anonymous or inactive user: do not reconnect, log in
CLOSE_NO_LAYER = 4503  # no channel layer configured: no live updates, poll the API instead
FRAME_TYPES = ("subscribe", "unsubscribe", "resync", "ping")

__all__ = [
    "CLOSE_NO_LAYER",
    "CLOSE_UNAUTHENTICATED",
    "PROTOCOL_VERSION",
    "GenerationStatusConsumer",
    "ProtocolError",
]


@functools.cache  # once per process (tests call cache_clear())
def log_no_layer() -> None:
    """Say once why live sockets are closed, rather than a traceback per socket."""
    logger.warning(
        "genstatus: no channel layer is configured (CHANNEL_LAYERS['default']): live "
        "sockets are closed with code %d and pages poll the REST API instead "
        "(system check genstatus.W001).",
        CLOSE_NO_LAYER,
    )


class GenerationStatusConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels ships no type hints
    """Live generation status for one browser tab, scoped to what its user may see.

    Changes arrive through the process's hub (``genstatus.live.Hub``), not through a layer
    channel per socket: the consumer registers with the hub on connect and gets each batch
    as a plain call to ``hub_deliver``.
    """

    # No layer channel per socket (channels skips it when the alias names no layer): the hub
    # holds the process's one channel on the default layer.
    channel_layer_alias = "genstatus.no-channel-per-socket"
    max_frame_bytes = 64 * 1024
    max_ids = 1000  # asset ids and generation ids, each, per connection
    panel_snapshot_limit = snapshots.PANEL_SNAPSHOT_LIMIT
    frame_types = FRAME_TYPES  # each has a ``handle_<type>(message, ref)``

    user: Any
    visibility: Visibility

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept first so that browsers see the code (a refused handshake is a bare 403).
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if layer() is None:
            # Accepted and closed with a code of its own: the page shows Offline / Polling
            # (and stops reconnecting) instead of a Live that nothing feeds.
            log_no_layer()
            await self.accept()
            await self.close(code=CLOSE_NO_LAYER)
            return
        self.user = user
        self.visibility = await database_sync_to_async(visibility)(user)
        self.closed = False
        self.assets: set[str] = set()
        self.generations: set[int] = set()
        self.panel: dict[str, str] | None = None
        self.sent_versions: dict[int, int] = {}
        self.panel_since = 0  # the newest panel row sent: where a server resync starts
        self._start_user_timer()
        self.hub = live.hub()
        self.hub.add(self)
        # In the group before any snapshot is read (see handle_subscribe). When the layer is
        # down the socket still works (snapshots); the hub resyncs it once the layer is back.
        await self.hub.ready()
        await self.accept()
        await self.send_json(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "display": live.all_displays(),
                "groups": states.groups_as_dict(),
                "limits": {"frame_bytes": self.max_frame_bytes, "ids": self.max_ids},
            }
        )

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "hub"):
            await self.hub.leave(self)
        self.closed = True
        for pending in (getattr(self, "user_timer", None), getattr(self, "user_check", None)):
            if pending is not None:
                pending.cancel()

    # -- client frames ------------------------------------------------------------------
    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if not hasattr(self, "user"):
            return
        try:
            if text_data is None:
                raise ProtocolError("bad_frame", "Send JSON text frames, not binary.")
            await super().receive(text_data=text_data, **kwargs)
        except ProtocolError as error:  # from decode_json: the frame has no ref to answer
            await self.send_error(error, None)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        if len(text_data.encode()) > cls.max_frame_bytes:
            raise ProtocolError("too_large", f"Frames are limited to {cls.max_frame_bytes} bytes.")
        try:
            return json.loads(text_data)
        except ValueError:
            raise ProtocolError("bad_json", "The frame is not valid JSON.") from None

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return json.dumps(content, separators=(",", ":"))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Dispatch a frame to ``handle_<type>``; a ProtocolError becomes an error frame."""
        ref = content.get("ref") if isinstance(content, dict) else None
        if not isinstance(ref, str | int | type(None)):
            ref = None
        try:
            if not isinstance(content, dict):
                raise ProtocolError("bad_frame", "A frame is a JSON object with a 'type'.")
            kind = content.get("type")
            if kind not in self.frame_types:
                raise ProtocolError(
                    "unknown_type",
                    "Unknown 'type'; expected subscribe, unsubscribe, resync or ping.",
                )
            await getattr(self, f"handle_{kind}")(content, ref)
        except ProtocolError as error:
            await self.send_error(error, ref)

    async def send_error(self, error: ProtocolError, ref: Any) -> None:
        await self.send_json(
            {"type": "error", "code": error.code, "message": str(error), "ref": ref}
        )

    async def handle_ping(self, message: dict[str, Any], ref: Any) -> None:
        await self.send_json({"type": "pong", "ref": ref})

    async def handle_subscribe(self, message: dict[str, Any], ref: Any) -> None:
        assets = protocol.asset_ids(message.get("assets", []))
        generations = protocol.generation_ids(message.get("generations", []))
        panel = message.get("panel")
        since = 0
        if panel is not None:
            panel, since = protocol.panel(panel)
        if len(self.assets | set(assets)) > self.max_ids:
            raise ProtocolError("too_many", f"At most {self.max_ids} asset ids per connection.")
        if len(self.generations | set(generations)) > self.max_ids:
            raise ProtocolError(
                "too_many", f"At most {self.max_ids} generation ids per connection."
            )
        # The group was joined on connect, before this read: a change committed meanwhile
        # arrives as an update after the snapshot or is already in it; versions sort it out.
        self.assets.update(assets)
        self.generations.update(generations)
        if panel is not None:
            self.panel = panel
            self.panel_since = max(self.panel_since, since)
        snapshot = await self._snapshot(assets, generations, panel, since)
        await self._send_snapshot(snapshot, ref)

    async def handle_unsubscribe(self, message: dict[str, Any], ref: Any) -> None:
        assets = set(protocol.asset_ids(message.get("assets", [])))
        generations = set(protocol.generation_ids(message.get("generations", [])))
        self.assets -= assets
        self.generations -= generations
        for gid in generations:
            self.sent_versions.pop(gid, None)
        if message.get("panel"):
            self.panel = None
        await self.send_json({"type": "unsubscribed", "ref": ref})

    async def handle_resync(self, message: dict[str, Any], ref: Any) -> None:
        """A fresh snapshot of everything subscribed (after a gap, or periodically)."""
        if not await self._refresh_user():
            return
        since = message.get("since", 0)
        since = since if isinstance(since, int) and since >= 0 else 0
        snapshot = await self._snapshot(
            sorted(self.assets), sorted(self.generations), self.panel, since
        )
        await self._send_snapshot(snapshot, ref)

    # -- from the hub ---------------------------------------------------------------------
    async def hub_resync(self) -> None:
        """A snapshot the server sends by itself (the layer was down: updates were lost)."""
        if not (self.assets or self.generations or self.panel is not None):
            return
        try:
            if not await self._refresh_user():
                return
            snapshot = await self._snapshot(
                sorted(self.assets), sorted(self.generations), self.panel, self.panel_since
            )
            await self._send_snapshot(snapshot, "server")
        except Exception:
            logger.warning("genstatus: server-side resync failed", exc_info=True)

    async def hub_deliver(self, event: dict[str, Any]) -> None:
        """Forward the changes this user may see and this page shows, newest versions only."""
        items = event["items"]
        out = []
        for item, owner_id in zip(items, event["owners"], strict=True):
            if not self.visibility.allows(owner_id) or not self._wanted(item):
                continue
            gid = item["generation_id"]
            if self.sent_versions.get(gid, 0) >= item["version"]:
                continue
            self.sent_versions[gid] = item["version"]
            out.append(item)
            if self.panel is not None and gid > self.panel_since:
                self.panel_since = gid
        if not out:
            return
        if len(out) == len(items):
            await self.send(text_data=event["frame"])
        else:
            await self.send_json({"type": "updates", "items": out})

    def _wanted(self, item: dict[str, Any]) -> bool:
        gid = item["generation_id"]
        if gid in self.generations:
            return True
        asset_id = item.get("asset_id")
        if asset_id is not None and str(asset_id) in self.assets:
            return True
        if self.panel is not None and protocol.matches(item, self.panel):
            if len(self.generations) < self.max_ids:
                self.generations.add(gid)  # a new row: follow it even once it stops matching
            return True
        return False

    # -- the user's standing, read again -----------------------------------------------------
    def _start_user_timer(self) -> None:
        # The standing (active, visibility) is read again on a timer, whether or not the page
        # resyncs; ± 20 % so that sockets connected together do not all read at once.
        loop = asyncio.get_running_loop()
        self.user_read_at = loop.time()  # when the read now applied started
        self.user_recheck = genstatus_settings.LIVE_USER_RECHECK * random.uniform(0.8, 1.2)
        self.user_check: asyncio.Task[Any] | None = None
        self.user_timer: asyncio.TimerHandle | None = loop.call_later(
            self.user_recheck, self._user_read_due
        )

    async def _refresh_user(self) -> bool:
        """Read the user again (before a resync, and every ``GENSTATUS_LIVE_USER_RECHECK``
        seconds): a deactivated user is disconnected (4401) and a revoked
        ``view_all_generations`` stops applying, not only from the next connection. Sockets
        of one user reading together share the read; a read that started before the one
        already applied is ignored. False when the socket is closed."""
        started = asyncio.get_running_loop().time()
        pk = self.user.pk
        fresh = await snapshots.shared_read(("user", pk), lambda: snapshots.fresh_user(pk))
        if self.closed:
            return False
        if started < self.user_read_at:  # a later read was applied meanwhile
            return True
        self.user_read_at = started
        if fresh is None:
            self.closed = True
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        self.user, self.visibility = fresh
        return True

    def _user_read_due(self) -> None:
        """The timer: read the user in the background, unless a resync read it recently
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

    # -- snapshots ------------------------------------------------------------------------
    async def _send_snapshot(self, snapshot: dict[str, Any], ref: Any) -> None:
        for item in [*snapshot["assets"].values(), *snapshot["generations"].values()]:
            if item is not None:
                gid = item["generation_id"]
                self.sent_versions[gid] = max(self.sent_versions.get(gid, 0), item["version"])
        for item in snapshot["panel"]:
            gid = item["generation_id"]
            self.sent_versions[gid] = item["version"]
            self.generations.add(gid)
            self.panel_since = max(self.panel_since, gid)
        await self.send_json({"type": "snapshot", "ref": ref, **snapshot})

    async def _snapshot(
        self,
        assets: list[str],
        generations: list[int],
        panel: dict[str, str] | None,
        since: int,
    ) -> dict[str, Any]:
        # Identical reads (same visibility, same subscriptions) asked for before one of them
        # has started share it: 1,000 tabs of one gallery resyncing cost a few queries.
        seen, limit = self.visibility, self.panel_snapshot_limit
        key = (
            seen,
            tuple(assets),
            tuple(generations),
            None if panel is None else tuple(sorted(panel.items())),
            since,
            limit,
        )
        return dict(
            await snapshots.shared_read(
                key,
                lambda: snapshots.read_snapshot(seen, assets, generations, panel, since, limit),
            )
        )

"""The WebSocket consumer behind live badges and panel rows.

Protocol (docs/live.md has the full description): the client subscribes to asset ids,
generation ids and/or the panel with its filters; the server answers every subscribe and
resync with a snapshot from the database, then pushes small versioned ``updates`` frames.
Every item is checked against what the user may see (``genstatus.models.visibility``, one
``Visibility`` per socket, read again on a timer with the socket's session) before it is
sent.

Each client frame's ``type`` picks its handler (``handle_<type>``). Handlers never wait for
the database: a socket is accepted before any read, and reads (snapshots, the user's
standing) are queued to the loop's batched reader (``genstatus.live.reader``); frames that
need one while one is pending collapse into the next. Limits (``genstatus.live.limits``):
handshakes in progress per process, frames per second per socket.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import get_language

from genstatus import live, states
from genstatus.live import protocol, snapshots, standing
from genstatus.live.hub import ALL
from genstatus.live.limits import CLOSE_TRY_LATER, TICKET, FrameBucket, admission
from genstatus.live.protocol import ProtocolError
from genstatus.live.publisher import layer
from genstatus.live.reader import reader
from genstatus.live.socket_reads import CLOSE_UNAUTHENTICATED, SocketReads
from genstatus.models import Visibility

logger = logging.getLogger("genstatus.live")

PROTOCOL_VERSION = 1
# CLOSE_UNAUTHENTICATED = 4401 (genstatus.live.socket_reads): anonymous or inactive user, or
# the session ended (logout, expiry, password change): do not reconnect, log in
CLOSE_NO_LAYER = 4503  # no channel layer configured: no live updates, poll the API instead
# CLOSE_TRY_LATER = 4429 (genstatus.live.limits): too many handshakes in progress, or this
# socket floods; reconnect later with backoff
FRAME_TYPES = ("subscribe", "unsubscribe", "resync", "ping")

__all__ = [
    "CLOSE_NO_LAYER",
    "CLOSE_TRY_LATER",
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


@functools.lru_cache(maxsize=32)
def hello_frame(language: str | None, frame_bytes: int, max_ids: int) -> str:
    """The ``hello`` frame, serialised once per language and limits."""
    return json.dumps(
        {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "display": live.all_displays(),
            "groups": states.groups_as_dict(),
            "limits": {"frame_bytes": frame_bytes, "ids": max_ids},
        },
        separators=(",", ":"),
    )


class GenerationStatusConsumer(SocketReads, AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels ships no type hints
    """Live generation status for one browser tab, scoped to what its user may see.

    Changes arrive through the process's hub (``genstatus.live.Hub``), not through a layer
    channel per socket: the consumer registers with the hub on connect, tells it what it
    follows, and gets each batch's items for it as a plain call to ``hub_deliver``.
    """

    # No layer channel per socket (channels skips it when the alias names no layer): the hub
    # holds the process's one channel on the default layer.
    channel_layer_alias = "genstatus.no-channel-per-socket"
    max_frame_bytes = 64 * 1024
    max_ids = 1000  # asset ids and generation ids, each, per connection
    panel_snapshot_limit = snapshots.PANEL_SNAPSHOT_LIMIT
    frame_types = FRAME_TYPES  # each has a ``handle_<type>(message, ref)``
    frame_rate = 20.0  # client frames (of up to 8 KiB; larger count more) a second ...
    frame_burst = 60  # ... and at once; beyond: an error frame, and after as many, 4429
    max_handshakes = 200  # sockets of this process between arrival and accept, at most ...
    max_handshake_wait = 2.0  # ... the oldest of them (or a queued read) waiting this long

    user: Any
    visibility: Visibility | None  # None until the first snapshot's read

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept first so that browsers see the code (a refused handshake is a bare 403).
            await self._accept_and_close(CLOSE_UNAUTHENTICATED)
            return
        if layer() is None:
            # Accepted and closed with a code of its own: the page shows Offline / Polling
            # (and stops reconnecting) instead of a Live that nothing feeds.
            log_no_layer()
            await self._accept_and_close(CLOSE_NO_LAYER)
            return
        ticket = self.scope.get(TICKET) or admission().enter(
            self.max_handshakes, self.max_handshake_wait
        )
        if ticket is None or reader().oldest_wait() > self.max_handshake_wait:
            # busy: no database work, the client comes back later
            if ticket is not None:
                ticket.release()
            await self._accept_and_close(CLOSE_TRY_LATER, "busy")
            return
        try:
            self._init_state(user)
            self.hub = live.hub()
            self.hub.add(self)
            # In the group before any snapshot is read (see handle_subscribe). When the layer
            # is down the socket still works (snapshots); the hub resyncs it once it is back.
            await self.hub.ready()
            await self.accept()
            await self.send(
                text_data=hello_frame(get_language(), self.max_frame_bytes, self.max_ids)
            )
        finally:
            ticket.release()  # the handshake is over (or failed)
        self._start_user_timer()

    def _init_state(self, user: Any) -> None:
        self.user = user
        self.session_key = standing.session_key_of(self.scope)
        self.visibility = None
        self.closed = False
        self.assets: set[str] = set()
        self.generations: set[int] = set()
        self.panel: dict[str, str] | None = None
        self.sent_versions: dict[int, int] = {}
        self.panel_since = 0  # the newest panel row sent: where a server resync starts
        self.bucket = FrameBucket(self.frame_rate, self.frame_burst)
        self.refused = 0  # frames refused
        self.pending = None
        self.reading = None

    async def _accept_and_close(self, code: int, reason: str = "") -> None:
        self.closed = True
        await self.accept()
        await self.close(code=code, reason=reason or None)

    async def disconnect(self, code: int) -> None:
        self.closed = True
        if hasattr(self, "hub"):
            await self.hub.leave(self)
        for pending in (
            getattr(self, "user_timer", None),
            getattr(self, "user_check", None),
            getattr(self, "reading", None),
        ):
            if pending is not None:
                pending.cancel()
        self.pending = None
        self.sent_versions = {}

    # -- client frames ------------------------------------------------------------------
    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if not hasattr(self, "user") or self.closed:
            return  # refused or closed sockets: frames still queued cost nothing
        if not self.bucket.take(len(text_data or bytes_data or "")):
            await self._refuse_frame()
            return
        try:
            if text_data is None:
                raise ProtocolError("bad_frame", "Send JSON text frames, not binary.")
            await super().receive(text_data=text_data, **kwargs)
        except ProtocolError as error:  # from decode_json: the frame has no ref to answer
            await self.send_error(error, None)

    async def _refuse_frame(self) -> None:
        """Over the frame rate: an error frame (the frame is dropped unread); once
        ``frame_burst`` frames were refused the socket is closed with 4429. A page never
        comes near the rate (live.js sends a frame every few seconds)."""
        self.refused += 1
        if self.refused > self.frame_burst:
            self.closed = True
            await self.close(code=CLOSE_TRY_LATER, reason="flood")
            return
        error = ProtocolError(
            "rate_limited", f"At most {self.frame_rate:g} frames a second; frame dropped."
        )
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
        assets = set(protocol.asset_ids(message.get("assets", [])))
        generations = set(protocol.generation_ids(message.get("generations", [])))
        panel = message.get("panel")
        since = 0
        if panel is not None:
            panel, since = protocol.panel(panel)
        if len(self.assets | assets) > self.max_ids:
            raise ProtocolError("too_many", f"At most {self.max_ids} asset ids per connection.")
        if len(self.generations | generations) > self.max_ids:
            raise ProtocolError(
                "too_many", f"At most {self.max_ids} generation ids per connection."
            )
        # The group was joined on connect, before this read: a change committed meanwhile
        # arrives as an update after the snapshot or is already in it; versions sort it out.
        self.hub.interest.follow(self, assets - self.assets, generations - self.generations)
        self.assets |= assets
        self.generations |= generations
        request = self._request(ref)
        request.assets |= assets
        request.generations |= generations
        if panel is not None:
            self.panel = panel
            self.panel_since = max(self.panel_since, since)
            request.panel, request.since = panel, since
            self._index_panel()

    async def handle_unsubscribe(self, message: dict[str, Any], ref: Any) -> None:
        assets = set(protocol.asset_ids(message.get("assets", [])))
        generations = set(protocol.generation_ids(message.get("generations", [])))
        self.hub.interest.unfollow(self, assets & self.assets, generations & self.generations)
        self.assets -= assets
        self.generations -= generations
        for gid in generations:
            self.sent_versions.pop(gid, None)
        if message.get("panel"):
            self.panel = None
            self._index_panel()
        await self.send_json({"type": "unsubscribed", "ref": ref})

    async def handle_resync(self, message: dict[str, Any], ref: Any) -> None:
        """A fresh snapshot of everything subscribed (after a gap, or periodically), read
        with the user's standing."""
        since = message.get("since", 0)
        request = self._request(ref)
        request.full = True
        request.since = since if isinstance(since, int) and since >= 0 else 0

    # -- from the hub ---------------------------------------------------------------------
    async def hub_resync(self) -> None:
        """A snapshot the server sends by itself (the layer was down: updates were lost)."""
        if self.closed or not (self.assets or self.generations or self.panel is not None):
            return
        request = self._request("server")
        request.full = True
        request.since = self.panel_since

    async def hub_deliver(self, event: dict[str, Any], indices: list[int]) -> None:
        """Forward the items (of ``indices``) this user may see and this page shows, newest
        versions only."""
        seen = self.visibility
        if seen is None or self.closed:
            return  # the first snapshot, read after the hub joined, brings them
        items, owners = event["items"], event["owners"]
        out = []
        for index in indices:
            item = items[index]
            if not seen.allows(owners[index]) or not self._wanted(item):
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
            self._follow_row(gid)  # a new row: follow it even once it stops matching
            return True
        return False

    def _follow_row(self, gid: int) -> None:
        if gid not in self.generations and len(self.generations) < self.max_ids:
            self.generations.add(gid)
            self.hub.interest.follow(self, generations=[gid])

    def _index_panel(self) -> None:
        seen = self.visibility
        key = None
        if self.panel is not None and seen is not None and not seen.nobody:
            key = ALL if seen.everybody else str(seen.owner_id)
        self.hub.interest.watch_panel(self, key)

"""The WebSocket consumer behind live badges and panel rows.

Protocol (docs/live.md has the full description): the client subscribes to asset ids,
generation ids and/or the panel with its filters; the server answers every subscribe and
resync with a snapshot from the database, then pushes small versioned ``updates`` frames.
Every item is checked against what the user may see before it is sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model
from django.db import close_old_connections

from genstatus import live
from genstatus.conf import genstatus_settings
from genstatus.models import VIEW_ALL_PERMISSION, Generation
from genstatus.states import GROUPS

logger = logging.getLogger("genstatus.live")

PROTOCOL_VERSION = 1
CLOSE_UNAUTHENTICATED = 4401  # anonymous or inactive user: do not reconnect, log in
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The panel's GenerationFilterSet fields. Live matching of a new row covers the first four;
# a panel filtered by the others gets new rows through its snapshots (resync) only.
PANEL_FILTER_KEYS = (
    "status",
    "provider",
    "operation_type",
    "q",
    "asset",
    "created_after",
    "created_before",
)
LIVE_MATCHED_KEYS = frozenset(PANEL_FILTER_KEYS[:4])


class ProtocolError(ValueError):
    """A client frame the server cannot use; answered with an ``error`` frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class GenerationStatusConsumer(AsyncWebsocketConsumer):
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
    panel_snapshot_limit = 50

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept first so that browsers see the code (a refused handshake is a bare 403).
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.can_view_all = await database_sync_to_async(user.has_perm)(VIEW_ALL_PERMISSION)
        self.closed = False
        # The standing (active, view_all) is read again on a timer, whether or not the page
        # resyncs; ± 20 % so that sockets connected together do not all read at once.
        loop = asyncio.get_running_loop()
        self.user_read_at = loop.time()  # when the read now applied started
        self.user_recheck = genstatus_settings.LIVE_USER_RECHECK * random.uniform(0.8, 1.2)
        self.user_check: asyncio.Task[Any] | None = None
        self.user_timer: asyncio.TimerHandle | None = loop.call_later(
            self.user_recheck, self._user_read_due
        )
        self.user_key = str(user.pk)  # owners travel as text (see genstatus.live)
        self.assets: set[str] = set()
        self.generations: set[int] = set()
        self.panel: dict[str, str] | None = None
        self.sent_versions: dict[int, int] = {}
        self.panel_since = 0  # the newest panel row sent: where a server resync starts
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
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not hasattr(self, "user"):
            return
        ref: Any = None
        try:
            if text_data is None:
                raise ProtocolError("bad_frame", "Send JSON text frames, not binary.")
            if len(text_data.encode()) > self.max_frame_bytes:
                raise ProtocolError(
                    "too_large", f"Frames are limited to {self.max_frame_bytes} bytes."
                )
            try:
                message = json.loads(text_data)
            except ValueError:
                raise ProtocolError("bad_json", "The frame is not valid JSON.") from None
            if not isinstance(message, dict):
                raise ProtocolError("bad_frame", "A frame is a JSON object with a 'type'.")
            ref = message.get("ref")
            if not isinstance(ref, str | int | type(None)):
                ref = None
            handler = {
                "subscribe": self.handle_subscribe,
                "unsubscribe": self.handle_unsubscribe,
                "resync": self.handle_resync,
                "ping": self.handle_ping,
            }.get(message.get("type"))  # type: ignore[arg-type]
            if handler is None:
                raise ProtocolError(
                    "unknown_type",
                    "Unknown 'type'; expected subscribe, unsubscribe, resync or ping.",
                )
            await handler(message, ref)
        except ProtocolError as error:
            await self.send_json(
                {"type": "error", "code": error.code, "message": str(error), "ref": ref}
            )

    async def handle_ping(self, message: dict[str, Any], ref: Any) -> None:
        await self.send_json({"type": "pong", "ref": ref})

    async def handle_subscribe(self, message: dict[str, Any], ref: Any) -> None:
        assets = _ids(message.get("assets", []), "assets", str_ids=True)
        generations = _ids(message.get("generations", []), "generations", str_ids=False)
        panel = message.get("panel")
        since = 0
        if panel is not None:
            panel, since = _panel(panel)
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
        assets = set(_ids(message.get("assets", []), "assets", str_ids=True))
        generations = set(_ids(message.get("generations", []), "generations", str_ids=False))
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
            if not (self.can_view_all or owner_id == self.user_key):
                continue
            gid = item["generation_id"]
            if not self._wanted(item):
                continue
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

    # -- helpers ------------------------------------------------------------------------
    async def _refresh_user(self) -> bool:
        """Read the user again (before a resync, and every ``GENSTATUS_LIVE_USER_RECHECK``
        seconds): a deactivated user is disconnected (4401) and a revoked
        ``view_all_generations`` stops applying, not only from the next connection. Sockets
        of one user reading together share the read; a read that started before the one
        already applied is ignored. False when the socket is closed."""
        started = asyncio.get_running_loop().time()
        fresh = await _shared_read(("user", self.user.pk), lambda: _fresh_user(self.user.pk))
        if self.closed:
            return False
        if started < self.user_read_at:  # a later read was applied meanwhile
            return True
        self.user_read_at = started
        if fresh is None:
            self.closed = True
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        self.user, self.can_view_all = fresh
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

    def _wanted(self, item: dict[str, Any]) -> bool:
        gid = item["generation_id"]
        if gid in self.generations:
            return True
        asset_id = item.get("asset_id")
        if asset_id is not None and str(asset_id) in self.assets:
            return True
        if self.panel is not None and _matches(item, self.panel):
            if len(self.generations) < self.max_ids:
                self.generations.add(gid)  # a new row: follow it even once it stops matching
            return True
        return False

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
        key = (
            self.user.pk,
            self.can_view_all,
            tuple(assets),
            tuple(generations),
            None if panel is None else tuple(sorted(panel.items())),
            since,
        )
        return await _shared_read(
            key, lambda: self._read_snapshot(assets, generations, panel, since)
        )

    def _read_snapshot(
        self,
        assets: list[str],
        generations: list[int],
        panel: dict[str, str] | None,
        since: int,
    ) -> dict[str, Any]:
        try:
            return self._query_snapshot(assets, generations, panel, since)
        finally:
            close_old_connections()  # like the end of a request: honours CONN_MAX_AGE

    def _query_snapshot(
        self,
        assets: list[str],
        generations: list[int],
        panel: dict[str, str] | None,
        since: int,
    ) -> dict[str, Any]:
        from genstatus.mapping import statuses_for_assets

        visible = Generation.objects.visible_to(self.user)
        asset_items: dict[str, Any] = dict.fromkeys(assets)
        if assets:
            # asset ids arrive as strings: let the asset model's pk field convert them
            pk_field = Generation._meta.get_field("asset").target_field
            keys = []
            for raw in assets:
                try:
                    keys.append(pk_field.to_python(raw))
                except Exception:
                    continue
            for key, status in statuses_for_assets(keys, generations=visible).items():
                asset_items[str(key)] = {
                    **status.as_dict(),
                    "display": live.display_dict(status.status),
                }
        generation_items: dict[str, Any] = {str(g): None for g in generations}
        # retried_as: a row that was retried while this browser was away loses its button
        for generation in visible.filter(pk__in=generations).select_related("retried_as"):
            generation_items[str(generation.pk)] = live.generation_payload(generation)
        panel_items = []
        if panel is not None:
            query = (
                _panel_queryset(visible, panel)
                .filter(pk__gt=since)
                .select_related("retried_as")
                .newest_first()
            )
            panel_items = [
                live.generation_payload(g, "created") for g in query[: self.panel_snapshot_limit]
            ]
        return {"assets": asset_items, "generations": generation_items, "panel": panel_items}

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))


class _ReaderGone(Exception):
    """The read another socket joined was cancelled (that socket closed)."""


def _fresh_user(pk: Any) -> tuple[Any, bool] | None:
    """The user as the database has it now and whether they may see every generation;
    None when they are gone or inactive."""
    model = get_user_model()
    try:
        user = model._default_manager.get(pk=pk)
        if not user.is_active:
            return None
        return user, user.has_perm(VIEW_ALL_PERMISSION)
    except model.DoesNotExist:
        return None
    finally:
        close_old_connections()


_flights: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
_flights_lock = threading.Lock()


async def _shared_read(key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
    """Run ``read`` in a worker thread, or share an identical read that has not started
    yet (so its result reflects the database after this request, as its own read would).
    Not thread-sensitive: snapshots of many sockets run in parallel threads instead of
    queueing on the one thread that sync code shares by default."""
    loop = asyncio.get_running_loop()
    key = (id(loop), *key)
    with _flights_lock:
        future = _flights.get(key)
        owner = future is None
        if owner:
            future = _flights[key] = loop.create_future()
    assert future is not None
    if not owner:
        try:
            return await asyncio.shield(future)
        except _ReaderGone:
            return await database_sync_to_async(read, thread_sensitive=False)()

    def start() -> Any:
        with _flights_lock:  # started: later requests need a read of their own
            if _flights.get(key) is future:
                del _flights[key]
        return read()

    try:
        result = await database_sync_to_async(start, thread_sensitive=False)()
    except BaseException as error:
        with _flights_lock:
            if _flights.get(key) is future:
                del _flights[key]
        if not future.done():
            gone = isinstance(error, asyncio.CancelledError)
            future.set_exception(_ReaderGone() if gone else error)
            future.exception()  # retrieved: no "never retrieved" warning without joiners
        raise
    future.set_result(result)
    return result


def _ids(value: Any, name: str, *, str_ids: bool) -> list[Any]:
    if not isinstance(value, list):
        raise ProtocolError("bad_ids", f"'{name}' must be a list of ids.")
    out: list[Any] = []
    for raw in value:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ProtocolError("bad_ids", f"'{name}' must contain ids (numbers or strings).")
        if str_ids:
            text = str(raw)
            if not ID_PATTERN.match(text):
                raise ProtocolError("bad_ids", f"{text[:40]!r} is not a valid id in '{name}'.")
            out.append(text)
        else:
            try:
                number = int(raw)
            except ValueError:
                raise ProtocolError(
                    "bad_ids", f"{str(raw)[:40]!r} is not a generation id in '{name}'."
                ) from None
            if number <= 0 or number >= 2**63:
                raise ProtocolError("bad_ids", f"{number} is not a generation id in '{name}'.")
            out.append(number)
    return out


def _panel(value: Any) -> tuple[dict[str, str], int]:
    if value is True:
        value = {}
    if not isinstance(value, dict):
        raise ProtocolError("bad_panel", "'panel' is an object: {filters: {...}, since: <id>}.")
    filters = value.get("filters", {})
    since = value.get("since", 0)
    if not isinstance(filters, dict) or not isinstance(since, int) or since < 0:
        raise ProtocolError("bad_panel", "'panel' is an object: {filters: {...}, since: <id>}.")
    clean: dict[str, str] = {}
    for key in PANEL_FILTER_KEYS:
        item = filters.get(key)
        if item in (None, ""):
            continue
        if not isinstance(item, str) or len(item) > 200:
            raise ProtocolError("bad_panel", f"Panel filter {key!r} must be a short string.")
        clean[key] = item
    from genstatus.filters import GenerationFilterSet

    filterset = GenerationFilterSet(clean, queryset=None)
    if not filterset.is_valid():
        field, errors = next(iter(filterset.errors.items()))
        raise ProtocolError("bad_panel", f"Panel filter {field!r}: {errors[0]}"[:200])
    return clean, since


def _status_set(value: str) -> frozenset[str]:
    return GROUPS.get(value) or frozenset({value})


def _matches(item: dict[str, Any], filters: dict[str, str]) -> bool:
    """Does a generation belong in a panel with these filters (the FilterSet's rules)?
    Filters it cannot evaluate on a change (asset ids, dates) say no: such a panel picks
    up new rows from its next snapshot."""
    if not LIVE_MATCHED_KEYS.issuperset(filters):
        return False
    if "status" in filters and item["status"] not in _status_set(filters["status"]):
        return False
    if "provider" in filters and item["provider"] != filters["provider"]:
        return False
    if "operation_type" in filters and item["operation_type"] != filters["operation_type"]:
        return False
    query = filters.get("q", "").strip().casefold()
    return not query or query in item["prompt"].casefold()


def _panel_queryset(visible: Any, filters: dict[str, str]) -> Any:
    """The panel's rows: the same GenerationFilterSet as the panel page and the API."""
    from genstatus.filters import GenerationFilterSet

    return GenerationFilterSet(filters, queryset=visible).qs

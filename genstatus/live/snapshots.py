"""What a socket reads from the database: its snapshot and its user's standing.

Both run in worker threads (the consumer calls them through ``shared_read``, which uses
Channels' ``database_sync_to_async``); identical reads asked for before one of them has
started share it, so 1,000 tabs of one gallery resyncing cost a few queries.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import close_old_connections

from genstatus import ids
from genstatus.live.payload import display_dict, generation_payload
from genstatus.models import Generation, Visibility, visibility

PANEL_SNAPSHOT_LIMIT = 50


def fresh_user(pk: Any) -> tuple[Any, Visibility] | None:
    """The user as the database has it now and their ``Visibility``; None when they are
    gone or inactive."""
    model = get_user_model()
    try:
        user = model._default_manager.get(pk=pk)
        seen = visibility(user)
        return None if seen.nobody else (user, seen)
    except model.DoesNotExist:
        return None
    finally:
        close_old_connections()


def read_snapshot(
    seen: Visibility,
    assets: list[str],
    generations: list[int],
    panel: dict[str, str] | None,
    since: int,
    limit: int = PANEL_SNAPSHOT_LIMIT,
) -> dict[str, Any]:
    """The ``snapshot`` frame's body: the newest visible generation of each asset (None
    when it has none), each generation (None when missing or invisible), and the panel's
    rows newer than ``since`` (at most ``limit``, newest first)."""
    try:
        visible = seen.filter(Generation.objects.all())
        return {
            "assets": _asset_items(visible, assets),
            "generations": _generation_items(visible, generations),
            "panel": _panel_items(visible, panel, since, limit),
        }
    finally:
        close_old_connections()  # like the end of a request: honours CONN_MAX_AGE


def _asset_items(visible: Any, assets: list[str]) -> dict[str, Any]:
    from genstatus.mapping import statuses_for_assets

    items: dict[str, Any] = dict.fromkeys(assets)
    keys = []
    for text in assets:
        try:
            key = ids.asset_id(text)
        except ids.BadId:
            continue
        if key is not None:
            keys.append(key)
    for key, status in statuses_for_assets(keys, generations=visible).items():
        items[str(key)] = {**status.as_dict(), "display": display_dict(status.status)}
    return items


def _generation_items(visible: Any, generations: list[int]) -> dict[str, Any]:
    items: dict[str, Any] = {str(g): None for g in generations}
    # retried_as: a row that was retried while this browser was away loses its button
    for generation in visible.filter(pk__in=generations).select_related("retried_as"):
        items[str(generation.pk)] = generation_payload(generation)
    return items


def _panel_items(
    visible: Any, panel: dict[str, str] | None, since: int, limit: int
) -> list[dict[str, Any]]:
    if panel is None:
        return []
    from genstatus.filters import GenerationFilterSet

    # the panel's rows: the same GenerationFilterSet as the panel page and the API
    query = (
        GenerationFilterSet(panel, queryset=visible)
        .qs.filter(pk__gt=since)
        .select_related("retried_as")
        .newest_first()
    )
    return [generation_payload(g, "created") for g in query[:limit]]


class _ReaderGone(Exception):
    """The read another socket joined was cancelled (that socket closed)."""


# Reads asked for but not started yet, by loop and key: a later identical request joins
# one instead of queueing its own query (the sharing described above).
_flights: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
_flights_lock = threading.Lock()


def _land(key: tuple[Any, ...], future: asyncio.Future[Any]) -> None:
    with _flights_lock:
        if _flights.get(key) is future:
            del _flights[key]


async def shared_read(key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
    """Run ``read`` in a worker thread, or share an identical read that has not started
    yet (so its result reflects the database after this request, as its own read would).
    Not thread-sensitive: snapshots of many sockets run in parallel threads instead of
    queueing on the one thread that sync code shares by default."""
    from channels.db import database_sync_to_async

    loop = asyncio.get_running_loop()
    key = (id(loop), *key)
    with _flights_lock:
        future = _flights.get(key)
        owner = future is None
        if future is None:
            future = _flights[key] = loop.create_future()
    if not owner:
        try:
            return await asyncio.shield(future)
        except _ReaderGone:
            return await database_sync_to_async(read, thread_sensitive=False)()

    def start() -> Any:
        _land(key, future)  # started: later requests need a read of their own
        return read()

    try:
        result = await database_sync_to_async(start, thread_sensitive=False)()
    except BaseException as error:
        _land(key, future)
        if not future.done():
            gone = isinstance(error, asyncio.CancelledError)
            future.set_exception(_ReaderGone() if gone else error)
            future.exception()  # retrieved: no "never retrieved" warning without joiners
        raise
    future.set_result(result)
    return result

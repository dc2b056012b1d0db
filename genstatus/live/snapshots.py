"""What a socket reads from the database: its snapshot.

Run in the loop's batched reader (``genstatus.live.reader``): identical reads asked for
before one of them has started share it, so 1,000 tabs of one gallery resyncing cost a
few queries, and many sockets' reads share one thread hop and one connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from genstatus import ids
from genstatus.live.payload import display_dict, generation_payload
from genstatus.live.reader import reader
from genstatus.models import Generation, Visibility

PANEL_SNAPSHOT_LIMIT = 50


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
    visible = seen.filter(Generation.objects.all())
    return {
        "assets": _asset_items(visible, assets),
        "generations": _generation_items(visible, generations),
        "panel": _panel_items(visible, panel, since, limit),
    }


def _asset_items(visible: Any, assets: list[str]) -> dict[str, Any]:
    from genstatus.mapping import statuses_for_assets

    items: dict[str, Any] = dict.fromkeys(assets)
    if not assets:
        return items
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
    if not generations:
        return items  # a badge page's snapshot: no queryset to build (a new socket's cost)
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


async def shared_read(key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
    """Run ``read`` in the loop's batched reader (``genstatus.live.reader``), or share an
    identical read that has not started yet."""
    return await reader().read(key, lambda memo: read())

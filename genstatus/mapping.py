"""Asset → generation status: the seed's ``generationAssetMapping`` for Django querysets.

The newest generation of an asset (by ``created_at``, then ``id``) decides its status.
Every function here costs one query whatever the number of assets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from genstatus.models import Generation
from genstatus.states import ACTIVE, TERMINAL, Status, StatusDisplay, is_terminal, status_display

__all__ = [
    "ANNOTATION_PREFIX",
    "NEWEST_FIRST",
    "AssetStatus",
    "assets_with_active_generations",
    "assets_with_failed_generations",
    "assets_with_status",
    "is_terminal",
    "newest_first",
    "newest_of",
    "status_display",
    "status_for_asset",
    "statuses_for_assets",
    "with_generation_status",
]

# with_generation_status() adds these attributes to each asset
ANNOTATION_PREFIX = "genstatus_"
_FIELDS = ("id", "status", "version", "progress", "error_message", "error_code", "updated_at")


@dataclass(frozen=True)
class AssetStatus:
    """The status an asset's badge shows: its newest generation's lifecycle fields."""

    asset_id: Any
    generation_id: int
    status: str
    version: int
    progress: int | None = None
    error_message: str = ""
    error_code: str = ""
    updated_at: datetime | None = None

    @property
    def display(self) -> StatusDisplay:
        return status_display(self.status)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def has_failed(self) -> bool:
        return self.status == Status.FAILED

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, shared by the REST API and the live client's snapshot."""
        return {
            "asset_id": str(self.asset_id) if not isinstance(self.asset_id, int) else self.asset_id,
            "generation_id": self.generation_id,
            "status": self.status,
            "version": self.version,
            "progress": self.progress,
            "error_message": self.error_message,
            "error_code": self.error_code,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def _pk(asset: Any) -> Any:
    return asset.pk if isinstance(asset, Model) else asset


# THE rule: the newest generation of an asset is the first in this order (the model's
# default ordering and its (asset, -created_at, -id) index). Every spelling of "newest"
# below, and the badge batch's SQL (genstatus.badges.query), is built from it.
NEWEST_FIRST = ("-created_at", "-id")


def newest_first(generations: QuerySet[Generation]) -> QuerySet[Generation]:
    """``generations`` ordered newest first."""
    return generations.order_by(*NEWEST_FIRST)


def _newest_per_asset(generations: QuerySet[Generation]) -> QuerySet[Generation]:
    """Generations that are the newest of their asset (a window function: one query)."""
    ranked = generations.filter(asset__isnull=False).annotate(
        genstatus_rank=Window(
            RowNumber(),
            partition_by=[F("asset_id")],
            order_by=[F(name.lstrip("-")).desc() for name in NEWEST_FIRST],
        )
    )
    return ranked.filter(genstatus_rank=1)


def newest_of(asset: Any, generations: QuerySet[Generation] | None = None) -> QuerySet[Generation]:
    """The generations of ``asset`` (a key or an ``OuterRef``), newest first: ``[:1]`` is
    the one that decides its badge."""
    base = generations if generations is not None else Generation.objects.all()
    return newest_first(base.filter(asset_id=asset))


def newer_than_outer() -> Q:
    """Generations newer, by ``NEWEST_FIRST``, than the outer query's generation
    (``OuterRef``): the lexicographic comparison of the ordering's fields."""
    names = [name.lstrip("-") for name in NEWEST_FIRST]
    condition = Q()
    for index, name in enumerate(names):
        equal = {prefix: OuterRef(prefix) for prefix in names[:index]}
        condition |= Q(**equal, **{f"{name}__gt": OuterRef(name)})
    return condition


def statuses_for_assets(
    assets: Iterable[Any], *, generations: QuerySet[Generation] | None = None
) -> dict[Any, AssetStatus]:
    """``{asset_pk: AssetStatus}`` for the assets (objects or primary keys) that have a
    generation, in one query. Assets without a generation are absent from the dict.

    ``generations`` narrows the candidates, e.g. ``Generation.objects.visible_to(user)``.
    """
    keys = {_pk(a) for a in assets}
    if not keys:
        return {}
    base = generations if generations is not None else Generation.objects.all()
    rows = _newest_per_asset(base.filter(asset_id__in=keys)).values_list("asset_id", *_FIELDS)
    return {
        asset_id: AssetStatus(asset_id, gid, status, version, progress, message, code, updated)
        for asset_id, gid, status, version, progress, message, code, updated in rows
    }


def status_for_asset(asset: Any) -> AssetStatus | None:
    """The status of one asset (object or primary key), or None when it has no generation."""
    return statuses_for_assets([asset]).get(_pk(asset))


def with_generation_status(
    assets: QuerySet[Any], *, generations: QuerySet[Generation] | None = None
) -> QuerySet[Any]:
    """Annotate the host's own asset queryset with its newest generation, in the same query.

    Each asset gets ``genstatus_id``, ``genstatus_status``, ``genstatus_version``,
    ``genstatus_progress``, ``genstatus_error_message``, ``genstatus_error_code`` and
    ``genstatus_updated_at`` (None when it has no generation); ``{% genstatus_badge %}``
    reads them without another query. ``generations`` narrows the candidates, e.g.
    ``Generation.objects.visible_to(request.user)``.
    """
    newest = newest_of(OuterRef("pk"), generations)
    annotated: QuerySet[Any] = assets.annotate(
        **{f"{ANNOTATION_PREFIX}{name}": Subquery(newest.values(name)[:1]) for name in _FIELDS}
    )
    return annotated


def _assets_with(statuses: Iterable[str], base: QuerySet[Generation] | None) -> QuerySet[Any]:
    """Asset ids whose newest generation is in ``statuses``.

    Written as "a generation in the set with no newer generation of the same asset" (NOT
    EXISTS) rather than a window over every generation: the candidates come from the
    status index and each check is one probe of the (asset, created_at, id) index.
    """
    generations = base if base is not None else Generation.objects.all()
    # newer among the same candidates: an asset's newest generation the user may see
    newer = generations.order_by().filter(newer_than_outer(), asset_id=OuterRef("asset_id"))
    return (
        generations.filter(asset__isnull=False, status__in=list(statuses))
        .exclude(Exists(newer))
        .values("asset_id")
    )


def assets_with_active_generations(
    generations: QuerySet[Generation] | None = None,
) -> QuerySet[Any]:
    """Asset ids whose newest generation is pending, queued or processing.

    A lazy ``values("asset_id")`` queryset: use it as ``Asset.objects.filter(pk__in=...)``
    (one query in all) or iterate it for the ids.
    """
    return _assets_with(ACTIVE, generations)


def assets_with_failed_generations(
    generations: QuerySet[Generation] | None = None,
) -> QuerySet[Any]:
    """Asset ids whose newest generation failed (a retry in flight makes it active again)."""
    return _assets_with([Status.FAILED], generations)


def assets_with_status(
    statuses: Iterable[str], generations: QuerySet[Generation] | None = None
) -> QuerySet[Any]:
    """Asset ids whose newest generation is in ``statuses`` (e.g. ``["completed"]``; the
    example gallery's "Done" filter)."""
    return _assets_with(statuses, generations)

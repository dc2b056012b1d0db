"""A page of badges: ``badge_statuses`` fetches it in one query, ``BadgeStatuses`` renders
it in batches, ``render_badge`` renders one badge from any source (a page's batch, a
``statuses_for_assets`` dict, the annotations of ``with_generation_status``, or one query).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from genstatus.badges.query import Row, fetch
from genstatus.badges.renderer import BadgeRenderer, Options, options_key, renderer_class
from genstatus.conf import genstatus_settings
from genstatus.mapping import ANNOTATION_PREFIX, AssetStatus
from genstatus.models import NOBODY, Visibility, visibility

__all__ = [
    "BATCH_OPTION_SETS",
    "BadgeData",
    "BadgeStatuses",
    "asset_pk",
    "badge_context",
    "badge_statuses",
    "render_badge",
]

INFLIGHT_ATTRIBUTE = f"{ANNOTATION_PREFIX}inflight"

# How many option sets a page's BadgeStatuses renders in batches before it renders one
# badge per call (a template that varies the options per card).
BATCH_OPTION_SETS = 4


def asset_pk(asset: Any) -> Any:
    """The primary key of an asset given as an instance or as a key."""
    return asset.pk if isinstance(asset, Model) else asset


@dataclass(frozen=True)
class BadgeData:
    """What one card's badges show: its newest generation (or None) and the in-flight count
    (None when it was not fetched)."""

    status: AssetStatus | None
    inflight: int | None = None


class BadgeStatuses(Mapping[Any, BadgeData]):
    """``{asset_pk: BadgeData}`` for every asset of a page, including those without a
    generation; what ``{% genstatus_statuses assets as statuses %}`` puts in the context."""

    def __init__(
        self,
        rows: dict[Any, Row | None],
        counts: dict[Any, int],
        scope: Visibility = NOBODY,
    ) -> None:
        self._rows = rows
        self._counts = counts
        self.scope = scope  # whose generations were read
        # resolved once per page rather than once per card
        self.show_completed = genstatus_settings.SHOW_COMPLETED
        self.renderer_class = renderer_class()
        self._renderers: dict[Options, BadgeRenderer] = {}
        self._batches: dict[Options, dict[Any, str]] = {}

    def renderer(self, options: Options) -> BadgeRenderer:
        """The page's renderer for ``options`` (one per option set: it keeps the markup
        of each status it built)."""
        renderer = self._renderers.get(options)
        if renderer is None:
            show_completed, offset, inline, _inflight = options
            if show_completed is None:
                show_completed = self.show_completed
            renderer = self.renderer_class(
                show_completed=show_completed, offset=offset, inline=inline
            )
            if len(self._renderers) < 4 * BATCH_OPTION_SETS:
                self._renderers[options] = renderer
        return renderer

    def render(
        self,
        asset: Any,
        *,
        show_completed: bool | None = None,
        offset: Any = None,
        inline: bool = False,
        inflight: bool = True,
    ) -> SafeString:
        """The badge markup of one asset of this page: ``render_badge(asset, self, ...)``."""
        options = options_key(show_completed, offset, inline, inflight)
        # built from escaped parts; SafeString() rather than mark_safe() skips keep_lazy
        return SafeString(self.markup(asset, options))

    def markup(self, asset: Any, options: Options) -> str:
        """``render()`` with its options as ``options_key()`` gives them: what
        ``{% genstatus_badge %}`` calls once per card.

        The first call with a set of options renders the badges of every asset of the page
        with them in one loop, the following calls look them up: on a gallery page each card
        asks for its badge with the same options (docs/benchmarks.md). A page that varies
        the options per card gets at most ``BATCH_OPTION_SETS`` such batches, then one
        badge per call. The markup is escaped: safe to print as it is.
        """
        pk = asset.pk if isinstance(asset, Model) else asset
        batch = self._batches.get(options)
        if batch is not None:
            text = batch.get(pk)
            if text is not None:
                return text
        elif pk in self._rows:
            if len(self._batches) >= BATCH_OPTION_SETS:
                return self._render_all(options, [pk])[pk]
            batch = self._batches[options] = self._render_all(options, self._rows)
            return batch[pk]
        row, count = self.row_or_fetch(asset)  # an asset the page did not fetch: one query
        return self.renderer(options).render_one(pk, row, count if options[3] else None)

    def _render_all(self, options: Options, keys: Iterable[Any]) -> dict[Any, str]:
        rows, counts, inflight = self._rows, self._counts, options[3]
        keys = list(keys)
        entries = [(pk, rows[pk], counts.get(pk, 0) if inflight else None) for pk in keys]
        return dict(zip(keys, self.renderer(options).render(entries), strict=True))

    def row(self, key: Any) -> tuple[Row | None, int]:
        """The raw entry of one asset, as the renderer reads it (KeyError if absent)."""
        pk = asset_pk(key)
        return self._rows[pk], self._counts.get(pk, 0)

    def row_or_fetch(self, key: Any) -> tuple[Row | None, int]:
        """``row(key)``, or for an asset the page did not fetch, one query for the page's
        own user."""
        try:
            return self.row(key)
        except KeyError:
            return fetch_statuses({asset_pk(key)}, self.scope).row(key)

    def __getitem__(self, key: Any) -> BadgeData:
        pk = asset_pk(key)
        row, count = self.row(pk)
        status = None if row is None else AssetStatus(pk, *row)
        return BadgeData(status, count)

    def __contains__(self, key: object) -> bool:
        return asset_pk(key) in self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<BadgeStatuses for {len(self)} assets>"


def fetch_statuses(keys: set[Any], scope: Visibility) -> BadgeStatuses:
    """``BadgeStatuses`` of ``keys`` as ``scope`` may see them, in one query."""
    rows, counts = fetch(keys, scope)
    return BadgeStatuses(rows, counts, scope)


def badge_statuses(assets: Iterable[Any], user: Any) -> BadgeStatuses:
    """Everything a page of badges needs for ``user``, in one query whatever the number of
    assets: each asset's newest generation the user may see and the visible generations
    in flight from it (active generations whose ``source_assets`` include it).

    ``assets`` are model instances or primary keys. A queryset is evaluated here and keeps
    its result cache, so a following ``{% for asset in assets %}`` does not query again.
    """
    keys = {asset.pk if isinstance(asset, Model) else asset for asset in assets}
    return fetch_statuses(keys, visibility(user))


def _annotated_row(asset: Any) -> Row | None:
    if getattr(asset, f"{ANNOTATION_PREFIX}id") is None:
        return None
    return (
        asset.genstatus_id,
        asset.genstatus_status,
        asset.genstatus_version,
        asset.genstatus_progress,
        asset.genstatus_error_message or "",
    )


def lookup(
    asset: Any, statuses: Mapping[Any, Any] | None, user: Any
) -> tuple[Row | None, int | None]:
    """The batch entry, else the annotations, else one query for ``user`` (the fallback;
    an asset missing from a batch is read for the batch's own user)."""
    if isinstance(statuses, BadgeStatuses):
        return statuses.row_or_fetch(asset)
    annotated = isinstance(asset, Model) and hasattr(asset, f"{ANNOTATION_PREFIX}id")
    if statuses is not None:  # a statuses_for_assets() dict: {pk: AssetStatus}
        entry = statuses.get(asset_pk(asset))
        if entry is not None:
            row = (entry.generation_id, entry.status, entry.version, entry.progress)
            return (*row, entry.error_message), None
        if not annotated:
            return None, None  # statuses_for_assets() leaves out assets without one
    if annotated:
        return _annotated_row(asset), getattr(asset, INFLIGHT_ATTRIBUTE, None)
    return fetch_statuses({asset_pk(asset)}, visibility(user)).row(asset)


def _renderer_for(
    statuses: Mapping[Any, Any] | None, show_completed: bool | None, offset: Any, inline: bool
) -> BadgeRenderer:
    if isinstance(statuses, BadgeStatuses):
        return statuses.renderer(options_key(show_completed, offset, inline))
    if show_completed is None:
        show_completed = genstatus_settings.SHOW_COMPLETED
    return renderer_class()(show_completed=show_completed, offset=offset, inline=inline)


def badge_context(
    asset: Any,
    statuses: Mapping[Any, Any] | None = None,
    *,
    user: Any = None,
    show_completed: bool | None = None,
    offset: Any = None,
    inline: bool = False,
    inflight: bool = True,
) -> dict[str, Any]:
    """The values of one asset's badge as a template context (``BadgeRenderer.context``):
    for a widget that renders a template of its own.

    Options: ``show_completed`` (default ``GENSTATUS_SHOW_COMPLETED``) shows a completed
    badge instead of hiding it; ``offset`` (pixels or a CSS length) moves the badge down,
    e.g. below a provider badge; ``inline`` leaves the placement to the host's own overlay
    container; ``inflight=False`` leaves out the "N in flight from this asset" badge.
    ``user`` scopes the one-query fallback (used when ``statuses`` lacks the asset).
    """
    renderer = _renderer_for(statuses, show_completed, offset, inline)
    row, count = lookup(asset, statuses, user)
    return renderer.context(asset_pk(asset), row, count if inflight else None)


def render_badge(
    asset: Any,
    statuses: Mapping[Any, Any] | None = None,
    *,
    user: Any = None,
    show_completed: bool | None = None,
    offset: Any = None,
    inline: bool = False,
    inflight: bool = True,
    template_name: str | None = None,
) -> SafeString:
    """The badge markup of one asset (options: see ``badge_context``), by the renderer
    of ``GENSTATUS_BADGE_RENDERER``; with ``template_name``, that template rendered with
    ``badge_context()`` instead."""
    options = {"show_completed": show_completed, "offset": offset, "inline": inline}
    if template_name is not None:
        context = badge_context(asset, statuses, user=user, inflight=inflight, **options)
        return mark_safe(render_to_string(template_name, context).strip())
    if isinstance(statuses, BadgeStatuses):
        return statuses.render(asset, inflight=inflight, **options)
    row, count = lookup(asset, statuses, user)
    renderer = _renderer_for(statuses, show_completed, offset, inline)
    return renderer.render_one(asset_pk(asset), row, count if inflight else None)

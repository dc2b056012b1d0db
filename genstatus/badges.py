"""Gallery badges: the plain functions behind ``{% genstatus_badge %}`` and the widget.

``badge_statuses(assets)`` fetches what a page of badges needs in one query;
``render_badge(asset, statuses)`` renders one badge from it (or from the annotations of
``with_generation_status``) without another query. Only an asset that neither covers
costs a query of its own.

The markup is ``genstatus/badge.html``. While a project does not override that template,
badges are rendered by an equivalent string builder (a tested, byte-identical fast path):
a page of 500 cards would otherwise spend most of its render time in 500 small template
renders.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import IntegerField, Model
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from genstatus.conf import genstatus_settings
from genstatus.mapping import ANNOTATION_PREFIX, AssetStatus
from genstatus.models import VIEW_ALL_PERMISSION, Generation
from genstatus.states import ACTIVE, DISPLAY, Status

__all__ = [
    "ASSETS_TEMPLATE",
    "BADGE_TEMPLATE",
    "ICONS",
    "BadgeData",
    "BadgeStatuses",
    "asset_pk",
    "badge_context",
    "badge_statuses",
    "icon_svg",
    "render_assets",
    "render_badge",
]

BADGE_TEMPLATE = "genstatus/badge.html"
ASSETS_TEMPLATE = "genstatus/partials/assets.html"
ICONS = ("clock", "layers", "loader", "check", "alert", "x")
INFLIGHT_ATTRIBUTE = f"{ANNOTATION_PREFIX}inflight"
_OWN_TEMPLATES = Path(__file__).parent / "templates"

# What a badge reads of a generation: (id, status, version, progress, error_message).
Row = tuple[Any, str, int, int | None, str]
_ROW_FIELDS = ("id", "status", "version", "progress", "error_message")

# A CSS length the offset option accepts: "28", "28px", "1.75rem", "-4px".
_LENGTH = re.compile(r"^-?\d+(\.\d+)?(px|rem|em|%)?$")


# How many option sets a page's BadgeStatuses renders in batches before it renders one
# badge per call (a template that varies the options per card).
BATCH_OPTION_SETS = 4

# Badge options, normalised (options_key): show_completed (None: the setting), offset (a
# CSS length or ""), inline, inflight.
Options = tuple[bool | None, str, bool, bool]

# Who a page of badges is for: nobody, everybody (view_all_generations) or one owner.
NOBODY: Any = object()
EVERYBODY: Any = object()


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
        self, rows: dict[Any, Row | None], counts: dict[Any, int], scope: Any = None
    ) -> None:
        self._rows = rows
        self._counts = counts
        self.scope = NOBODY if scope is None else scope  # whose generations were read
        # resolved once per page rather than once per card
        self.show_completed = genstatus_settings.SHOW_COMPLETED
        self.language = get_language()
        self._fast = own_template_in_use(BADGE_TEMPLATE)
        self._batches: dict[Options, dict[Any, str]] = {}

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
        elif self._fast and pk in self._rows:
            if len(self._batches) >= BATCH_OPTION_SETS:
                return self._render_all(options, [pk])[pk]
            batch = self._batches[options] = self._render_all(options, self._rows)
            return batch[pk]
        # a project's own badge template, or an asset the page did not fetch (one query)
        show_completed, offset, inline, inflight = options
        return _render_one(
            asset,
            self,
            user=None,
            show_completed=show_completed,
            offset=offset,
            inline=inline,
            inflight=inflight,
        )

    def _render_all(self, options: Options, keys: Iterable[Any]) -> dict[Any, str]:
        show_completed, offset, inline, inflight = options
        if show_completed is None:
            show_completed = self.show_completed
        rows, counts = self._rows, self._counts
        keys = list(keys)
        entries = [(pk, rows[pk], counts.get(pk, 0) if inflight else None) for pk in keys]
        markup = _render_many(entries, show_completed, offset, inline, self.language)
        return dict(zip(keys, markup, strict=True))

    def row(self, key: Any) -> tuple[Row | None, int]:
        """The raw entry of one asset, as the renderer reads it (KeyError if absent)."""
        pk = asset_pk(key)
        return self._rows[pk], self._counts.get(pk, 0)

    def __getitem__(self, key: Any) -> BadgeData:
        pk = asset_pk(key)
        row, count = self.row(pk)
        return BadgeData(_asset_status(pk, row) if row else None, count)

    def __contains__(self, key: object) -> bool:
        return asset_pk(key) in self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<BadgeStatuses for {len(self)} assets>"


def asset_pk(asset: Any) -> Any:
    """The primary key of an asset given as an instance or as a key."""
    return asset.pk if isinstance(asset, Model) else asset


def _asset_status(pk: Any, row: Row) -> AssetStatus:
    generation_id, status, version, progress, error_message = row
    return AssetStatus(pk, generation_id, status, version, progress, error_message)


def _through() -> tuple[type[Model], str]:
    """The source_assets through model and the name of its foreign key to the asset."""
    field = Generation._meta.get_field("source_assets")
    through: type[Model] = field.remote_field.through  # type: ignore[assignment]
    return through, field.m2m_reverse_field_name()


def _is_annotated(asset: Any) -> bool:
    return isinstance(asset, Model) and hasattr(asset, f"{ANNOTATION_PREFIX}id")


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


def visibility(user: Any) -> Any:
    """The badge scope of ``user``, by the rule of ``Generation.objects.visible_to``: the
    user's own generations, all of them with ``view_all_generations``, none when
    anonymous or inactive."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    if user.has_perm(VIEW_ALL_PERMISSION):
        return EVERYBODY
    return user.pk


def badge_statuses(assets: Iterable[Any], user: Any) -> BadgeStatuses:
    """Everything a page of badges needs for ``user``, in one query whatever the number of
    assets: each asset's newest generation the user may see and the visible generations
    in flight from it (active generations whose ``source_assets`` include it).

    ``assets`` are model instances or primary keys. A queryset is evaluated here and keeps
    its result cache, so a following ``{% for asset in assets %}`` does not query again.
    """
    keys = {asset.pk if isinstance(asset, Model) else asset for asset in assets}
    return _fetch(keys, visibility(user))


def _fetch(keys: set[Any], scope: Any) -> BadgeStatuses:
    """Statuses and in-flight counts of ``keys`` in one query on the asset table, counting
    only the generations ``scope`` (see ``visibility``) may see.

    Hand-written SQL (portable: SQLite and PostgreSQL, any primary key type): the ORM
    spelling needs six correlated subqueries whose compilation cost more than the query
    itself on a 500-card page (see docs/benchmarks.md).
    """
    asset_model = apps.get_model(genstatus_settings.ASSET_MODEL)
    pk_field = asset_model._meta.pk
    if not keys or scope is NOBODY:  # nothing to show: hidden badges, no query
        return BadgeStatuses(dict.fromkeys(pk_field.to_python(key) for key in keys), {}, scope)
    connection = connections[router.db_for_read(asset_model)]
    # integer keys, the common case, go to the database and come back as they are
    plain = isinstance(pk_field, IntegerField) and all(type(key) is int for key in keys)
    if plain:
        params = list(keys)
    else:
        keys = {pk_field.to_python(key) for key in keys}
        params = [pk_field.get_db_prep_value(key, connection) for key in keys]
    owner = [] if scope is EVERYBODY else [scope]
    rows: dict[Any, Row | None] = dict.fromkeys(keys)  # a deleted asset: a hidden badge
    counts: dict[Any, int] = {}
    with connection.cursor() as cursor:
        sql = _fetch_sql(connection.alias, len(params), scoped=bool(owner))
        cursor.execute(sql, [*sorted(ACTIVE), *owner, *owner, *params])
        for pk, generation_id, status, version, progress, message, count in cursor.fetchall():
            if not plain:
                pk = pk_field.to_python(pk)
            if status:
                rows[pk] = (generation_id, status, version, progress, message or "")
            if count:
                counts[pk] = count
    return BadgeStatuses(rows, counts, scope)


def _column(model: type[Model], field_name: str) -> str:
    column = getattr(model._meta.get_field(field_name), "column", None)
    if not column:  # pragma: no cover - every field used here is concrete
        raise LookupError(f"{model._meta.label}.{field_name} has no column")
    return str(column)


@lru_cache(maxsize=128)
def _fetch_sql(alias: str, count: int, *, scoped: bool) -> str:
    qn = connections[alias].ops.quote_name
    asset_model = apps.get_model(genstatus_settings.ASSET_MODEL)
    through, asset_fk = _through()
    meta = Generation._meta
    g = qn(meta.db_table)
    g_asset = qn(_column(Generation, "asset"))
    a, a_pk = qn(asset_model._meta.db_table), qn(_column(asset_model, asset_model._meta.pk.name))
    t = qn(through._meta.db_table)
    t_asset = qn(_column(through, asset_fk))
    t_generation = qn(_column(through, "generation"))
    owner = qn(_column(Generation, "owner"))
    active = ", ".join(["%s"] * len(ACTIVE))
    only_s, only_n = (f" AND s.{owner} = %s", f" AND n.{owner} = %s") if scoped else ("", "")
    return (
        f"SELECT a.{a_pk}, g.id, g.status, g.version, g.progress, g.error_message, "
        f"(SELECT COUNT(*) FROM {t} t INNER JOIN {g} s ON s.id = t.{t_generation} "
        f"WHERE t.{t_asset} = a.{a_pk} AND s.status IN ({active}){only_s}) "
        f"FROM {a} a LEFT JOIN {g} g ON g.id = (SELECT n.id FROM {g} n "
        f"WHERE n.{g_asset} = a.{a_pk}{only_n} ORDER BY n.created_at DESC, n.id DESC LIMIT 1) "
        f"WHERE a.{a_pk} IN ({', '.join(['%s'] * count)})"
    )


def _lookup(
    asset: Any, statuses: Mapping[Any, Any] | None, user: Any
) -> tuple[Row | None, int | None]:
    """The batch entry, else the annotations, else one query for ``user`` (the fallback;
    an asset missing from a batch is read for the batch's own user)."""
    if isinstance(statuses, BadgeStatuses):
        try:
            return statuses.row(asset)
        except KeyError:
            return _fetch({asset_pk(asset)}, statuses.scope).row(asset)
    elif statuses is not None:  # a statuses_for_assets() dict: {pk: AssetStatus}
        entry = statuses.get(asset_pk(asset))
        if entry is None and _is_annotated(asset):
            pass
        elif entry is None:
            return None, None  # statuses_for_assets() leaves out assets without one
        else:
            return (
                entry.generation_id,
                entry.status,
                entry.version,
                entry.progress,
                entry.error_message,
            ), None
    if _is_annotated(asset):
        return _annotated_row(asset), getattr(asset, INFLIGHT_ATTRIBUTE, None)
    return _fetch({asset_pk(asset)}, visibility(user)).row(asset)


@cache
def icon_svg(name: str) -> SafeString:
    """The inline SVG markup of icon ``name``, from ``genstatus/icons/<name>.svg``
    (overridable like any template; read once per process)."""
    if name not in ICONS:
        raise ValueError(f"Unknown genstatus icon {name!r}; expected one of {', '.join(ICONS)}.")
    return mark_safe(render_to_string(f"genstatus/icons/{name}.svg").strip())


@lru_cache(maxsize=16)
def own_template_in_use(name: str) -> bool:
    """True while template ``name`` resolves to genstatus's own file, not a project's
    override: the condition of every string builder that stands in for a template."""
    origin = getattr(get_template(name), "origin", None)
    return origin is not None and Path(str(origin.name)) == _OWN_TEMPLATES / name


@lru_cache(maxsize=64)
def _texts(status: str, language: str | None) -> tuple[str, str]:
    display = DISPLAY[status]
    return str(display.label), str(display.description)


@lru_cache(maxsize=256)
def _inflight_label(count: int, language: str | None) -> str:
    return ngettext(
        "%(count)d generation in flight from this asset",
        "%(count)d generations in flight from this asset",
        count,
    ) % {"count": count}


@lru_cache(maxsize=256)
def _inflight_label_html(count: int, language: str | None) -> str:
    return _esc(_inflight_label(count, language))


def _clear_caches(**kwargs: Any) -> None:
    if kwargs.get("setting") in {"TEMPLATES", "INSTALLED_APPS", "LANGUAGE_CODE"}:
        icon_svg.cache_clear()
        _static_parts.cache_clear()
        own_template_in_use.cache_clear()
        _icon_templates.cache_clear()
        _texts.cache_clear()
        _inflight_label.cache_clear()
        _inflight_label_html.cache_clear()
    if kwargs.get("setting") in {"GENSTATUS_ASSET_MODEL", "DATABASES", "INSTALLED_APPS"}:
        _fetch_sql.cache_clear()


setting_changed.connect(_clear_caches, dispatch_uid="genstatus.badges.clear_caches")


def _offset(value: Any) -> str:
    if value in (None, "", 0, "0"):
        return ""
    text = str(value).strip()
    if not _LENGTH.match(text):
        raise ValueError(
            f"genstatus_badge offset={value!r} is not a CSS length; use a number of pixels "
            'such as 28, or a length such as "1.75rem".'
        )
    return text if text[-1].isalpha() or text.endswith("%") else f"{text}px"


def options_key(
    show_completed: Any = None, offset: Any = None, inline: Any = False, inflight: Any = True
) -> Options:
    """Badge options normalised, so that equal options share a page's batch
    (``offset=28`` and ``offset="28px"`` are one); ValueError for an offset that is not a
    CSS length."""
    return (
        None if show_completed is None else bool(show_completed),
        _offset(offset),
        bool(inline),
        bool(inflight),
    )


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
    """The template context of ``genstatus/badge.html`` for one asset.

    Options: ``show_completed`` (default ``GENSTATUS_SHOW_COMPLETED``) shows a completed
    badge instead of hiding it; ``offset`` (pixels or a CSS length) moves the badge down,
    e.g. below a provider badge; ``inline`` leaves the placement to the host's own overlay
    container; ``inflight=False`` leaves out the "N in flight from this asset" badge.
    ``user`` scopes the one-query fallback (used when ``statuses`` lacks the asset).
    """
    row, count = _lookup(asset, statuses, user)
    if show_completed is None:
        show_completed = genstatus_settings.SHOW_COMPLETED
    language = get_language()
    context: dict[str, Any] = {
        "asset_id": asset_pk(asset),
        "show_completed": "true" if show_completed else "false",
        "offset": _offset(offset),
        "inline": inline,
        "inflight": count if inflight else None,
    }
    if row is None:
        context.update(
            css_status="none",
            color="",
            generation_id="",
            status_value="",
            version=0,
            progress="",
            progress_text="",
            label=gettext("No generation"),
            title="",
            icon="",
            hidden=True,
        )
    else:
        generation_id, status, version, progress, error_message = row
        display = DISPLAY[status]
        label, description = _texts(status, language)
        title = error_message if status == Status.FAILED and error_message else description
        progress_text = ""
        if status == Status.PROCESSING and progress is not None:
            progress_text = f"{progress}%"
        context.update(
            css_status=status,
            color=display.color,
            generation_id=generation_id,
            status_value=status,
            version=version,
            progress="" if progress is None else progress,
            progress_text=progress_text,
            label=f"{label}: {title} ({progress_text})" if progress_text else f"{label}: {title}",
            title=title,
            hidden=status == Status.COMPLETED and not show_completed,
        )
        # a hidden badge carries no icon: the live client inserts one if it is revealed
        context["icon"] = "" if context["hidden"] else icon_svg(display.icon)
    if not context["inflight"]:  # only a count above zero is shown
        context["inflight"] = None
    if context["inflight"] is not None:
        context["inflight_label"] = _inflight_label(context["inflight"], language)
        context["inflight_icon"] = icon_svg("layers")
    return context


def _esc(value: Any) -> str:
    return html.escape(str(value))  # what the template's autoescape does


@lru_cache(maxsize=256)
def _static_parts(status: str, language: str | None, hidden: bool) -> tuple[str, str, str]:
    """The per-status pieces of the markup: class, label prefix + title, icon."""
    display = DISPLAY[status]
    label, description = _texts(status, language)
    return (
        f"gs-badge--{_esc(status)} gs-status--{display.color}",
        f'{_esc(label)}: {_esc(description)}" title="{_esc(description)}"'
        + (" hidden" if hidden else ""),
        "" if hidden else icon_svg(display.icon),
    )


def _render_fast(
    pk: Any,
    row: Row | None,
    count: int | None,
    show_completed: bool,
    offset: str,
    inline: bool,
    language: str | None,
) -> str:
    """``genstatus/badge.html`` as a string builder; tests keep the two byte-identical."""
    return _render_many([(pk, row, count)], show_completed, offset, inline, language)[0]


def _render_many(
    entries: Iterable[tuple[Any, Row | None, int | None]],
    show_completed: bool,
    offset: str,
    inline: bool,
    language: str | None,
) -> list[str]:
    """The badges of ``(pk, row, in-flight count)`` entries sharing the same options.

    The parts of a badge that depend only on its status (classes, texts, icon, the
    options) are built once per status; each entry adds its ids and numbers.
    """
    style = f' style="--gs-badge-offset: {_esc(offset)}"' if offset else ""
    overlay = "" if inline else " gs-badges--overlay"
    head = f'<span class="gs-badges{overlay}"{style}>'
    flag = "true" if show_completed else "false"
    frames: dict[str | None, tuple[str, str, str]] = {}
    markup: list[str] = []
    for pk, row, count in entries:
        asset_id = str(pk) if type(pk) is int else _esc(pk)
        status = None if row is None else row[1]
        frame = frames.get(status)
        if frame is None:
            frame = frames[status] = _frame(head, flag, status, show_completed, language)
        start, middle, end = frame
        close = "</span>"
        if count:  # only a count above zero is shown
            label = _inflight_label_html(count, language)
            close = (
                f'<span class="gs-inflight" data-gs-inflight="{count}" '
                f'data-gs-asset="{asset_id}" role="img" aria-label="{label}" title="{label}"'
                f">{icon_svg('layers')}"
                f'<span class="gs-inflight__count" data-gs-inflight-count>{count}</span>'
                "</span></span>"
            )
        if row is None:
            markup.append(f"{start}{asset_id}{end}{close}")
            continue
        generation_id, status, version, progress, error_message = row
        if type(generation_id) is not int:  # ids and statuses come from our own table
            generation_id = _esc(generation_id)
        if status == "failed" and error_message:
            end = _error_end(flag, error_message, language)
        elif status == "processing" and progress is not None:
            end = _progress_end(flag, progress, language)
        markup.append(
            f'{start}{asset_id}" data-gs-generation="{generation_id}{middle}{version}" '
            f'data-gs-progress="{"" if progress is None else progress}{end}{close}'
        )
    return markup


def _frame(
    head: str, flag: str, status: str | None, show_completed: bool, language: str | None
) -> tuple[str, str, str]:
    """The fixed parts of a badge of ``status``: up to the asset id, from the generation id
    to the version, after the progress (for no generation: after the asset id)."""
    if status is None:
        return (
            f'{head}<span class="gs-badge gs-badge--none" data-gs-badge data-gs-asset="',
            "",
            '" data-gs-generation="" data-gs-status="" data-gs-version="0" data-gs-progress="" '
            f'data-gs-show-completed="{flag}" role="img" '
            f'aria-label="{_esc(gettext("No generation"))}" title="" hidden>'
            '<span class="gs-badge__progress" data-gs-progress-text hidden></span></span>',
        )
    hidden = status == Status.COMPLETED and not show_completed
    classes, texts, icon = _static_parts(status, language, hidden)
    return (
        f'{head}<span class="gs-badge {classes}" data-gs-badge data-gs-asset="',
        f'" data-gs-status="{status}" data-gs-version="',
        f'" data-gs-show-completed="{flag}" role="img" aria-label="{texts}>{icon}'
        '<span class="gs-badge__progress" data-gs-progress-text hidden></span></span>',
    )


def _error_end(flag: str, error_message: str, language: str | None) -> str:
    """The end of a failed badge whose tooltip is its error message."""
    label = _texts(Status.FAILED, language)[0]
    title = _esc(error_message)
    _classes, _texts_part, icon = _static_parts(Status.FAILED, language, False)
    return (
        f'" data-gs-show-completed="{flag}" role="img" aria-label="{_esc(label)}: {title}" '
        f'title="{title}">{icon}'
        '<span class="gs-badge__progress" data-gs-progress-text hidden></span></span>'
    )


def _progress_end(flag: str, progress: int, language: str | None) -> str:
    """The end of a processing badge that shows its progress."""
    _classes, texts, icon = _static_parts(Status.PROCESSING, language, False)
    texts = texts.replace('" title=', f' ({progress}%)" title=', 1)
    return (
        f'" data-gs-show-completed="{flag}" role="img" aria-label="{texts}>{icon}'
        f'<span class="gs-badge__progress" data-gs-progress-text>{progress}%</span></span>'
    )


def render_badge(
    asset: Any,
    statuses: Mapping[Any, Any] | None = None,
    *,
    user: Any = None,
    show_completed: bool | None = None,
    offset: Any = None,
    inline: bool = False,
    inflight: bool = True,
    template_name: str = BADGE_TEMPLATE,
) -> SafeString:
    """The badge markup of one asset (options: see ``badge_context``)."""
    if isinstance(statuses, BadgeStatuses) and template_name == BADGE_TEMPLATE:
        return statuses.render(
            asset, show_completed=show_completed, offset=offset, inline=inline, inflight=inflight
        )
    return _render_one(
        asset,
        statuses,
        user=user,
        show_completed=show_completed,
        offset=offset,
        inline=inline,
        inflight=inflight,
        template_name=template_name,
    )


def _render_one(
    asset: Any,
    statuses: Mapping[Any, Any] | None,
    *,
    user: Any,
    show_completed: bool | None,
    offset: Any,
    inline: bool,
    inflight: bool,
    template_name: str = BADGE_TEMPLATE,
) -> SafeString:
    """One badge, without the page batches of ``BadgeStatuses.render``."""
    if template_name == BADGE_TEMPLATE and own_template_in_use(BADGE_TEMPLATE):
        row, count = _lookup(asset, statuses, user)
        if isinstance(statuses, BadgeStatuses):
            language = statuses.language
            if show_completed is None:
                show_completed = statuses.show_completed
        else:
            language = get_language()
            if show_completed is None:
                show_completed = genstatus_settings.SHOW_COMPLETED
        markup = _render_fast(
            asset_pk(asset),
            row,
            count if inflight else None,
            show_completed,
            _offset(offset),
            inline,
            language,
        )
        return SafeString(markup)  # built from escaped parts; SafeString skips keep_lazy
    context = badge_context(
        asset,
        statuses,
        user=user,
        show_completed=show_completed,
        offset=offset,
        inline=inline,
        inflight=inflight,
    )
    return mark_safe(get_template(template_name).render(context).strip())


def _reverse(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def assets_context() -> dict[str, Any]:
    """The context of ``genstatus/partials/assets.html``: icons and live-client URLs."""
    return {
        "icons": [(name, icon_svg(name)) for name in ICONS],
        "ws_path": "/ws/genstatus/",
        "status_url": _reverse("genstatus:api-asset-statuses"),
        "generations_url": _reverse("genstatus:api-generation-list"),
    }


def render_assets(template_name: str = ASSETS_TEMPLATE) -> SafeString:
    """The once-per-page markup: stylesheet, icon templates and the live client.

    Built on every call, never cached: ``{% static %}`` may give per-request URLs (signed
    storage URLs that expire) and an overridden template may read per-request data. While
    the template is genstatus's own, a string builder gives the same bytes (tested)."""
    if template_name == ASSETS_TEMPLATE and own_template_in_use(ASSETS_TEMPLATE):
        return SafeString(_assets_fast())
    return mark_safe(get_template(template_name).render(assets_context()))


@cache
def _icon_templates() -> str:
    return "".join(
        f'<template data-gs-icon="{name}">{icon_svg(name)}</template>\n' for name in ICONS
    )


def _assets_fast() -> str:
    """``genstatus/partials/assets.html`` as a string builder."""
    status_url = _reverse("genstatus:api-asset-statuses")
    generations_url = _reverse("genstatus:api-generation-list")
    urls = (f' data-gs-status-url="{_esc(status_url)}"' if status_url else "") + (
        f' data-gs-generations-url="{_esc(generations_url)}"' if generations_url else ""
    )
    return (
        f'\n<link rel="stylesheet" href="{_esc(static("genstatus/css/genstatus.css"))}">\n'
        f"{_icon_templates()}"
        f'<script type="module" src="{_esc(static("genstatus/js/live.js"))}" data-gs-live '
        f'data-gs-ws-path="/ws/genstatus/"{urls}></script>\n'
    )

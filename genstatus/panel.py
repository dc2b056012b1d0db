"""The Generations panel's building blocks, kept free of admin wiring so they can be tested.

- Keyset pagination by ``(created_at, id)``, newest first: a page costs one index range
  scan whatever its depth, and nothing ever runs ``COUNT(*)`` over the whole table.
- Tab counts: exact up to ``COUNT_CAP`` (a ``LIMIT`` count; Active and Failed read the
  partial indexes of migration 0002), PostgreSQL's planner estimate beyond it.
- Rows: ``render_rows`` builds the markup of ``genstatus/admin/panel_row.html`` in Python
  while that template is genstatus's own (tests keep the two byte-identical); a host that
  overrides the template gets it rendered as before.
- Bulk actions through ``genstatus.lifecycle``, summarised as "3 retried, 2 skipped:
  already completed".
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.query import ValuesListIterable
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from genstatus import lifecycle
from genstatus.badges import (
    icon_svg,  # noqa: F401 - the one icon reader, used by admin.py
    own_template_in_use,
)
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.models import Generation
from genstatus.states import ACTIVE, GROUPS, RETRYABLE, TERMINAL

PER_PAGE = 50
COUNT_CAP = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZERO = timedelta(0)

# The tabs: (slug, label, value of the FilterSet's ``status`` field or "" for all).
TABS: list[tuple[str, str, str]] = [
    ("all", "All", ""),
    ("active", "Active", "active"),
    ("failed", "Failed", "failed"),
    ("completed", "Completed", "completed"),
]
# Beyond COUNT_CAP * ESTIMATE_FACTOR rows by the planner's estimate, a count is not even
# attempted: the estimate is shown.
ESTIMATE_FACTOR = 10


# Keyset pagination ---------------------------------------------------------------------


class BadCursor(ValueError):
    """A pagination cursor that was not produced by ``encode_cursor``."""


def encode_cursor(created_at: datetime, pk: int) -> str:
    """``<microseconds since epoch>_<id>``: exact, URL-safe and short."""
    delta = created_at - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}_{pk}"


def decode_cursor(value: str) -> tuple[datetime, int]:
    try:
        micros_text, pk_text = value.split("_", 1)
        micros, pk = int(micros_text), int(pk_text)
        return EPOCH + timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        raise BadCursor(f"{value[:40]!r} is not a valid page cursor.") from None


def older_than(created_at: datetime, pk: int) -> Q:
    # The redundant ``created_at <= c`` gives the planner an index range bound; the OR only
    # filters the handful of rows that share the cursor's timestamp.
    return Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(pk__lt=pk))


def newer_than(created_at: datetime, pk: int) -> Q:
    return Q(created_at__gte=created_at) & (Q(created_at__gt=created_at) | Q(pk__gt=pk))


@dataclass
class KeysetPage:
    rows: list[Generation]
    next_cursor: str | None  # older rows
    previous_cursor: str | None  # newer rows
    is_first: bool


def keyset_page(
    queryset: QuerySet[Generation],
    *,
    after: str | None = None,
    before: str | None = None,
    per_page: int = PER_PAGE,
    limit_before_joins: bool = False,
) -> KeysetPage:
    """One page newest first; ``after`` continues to older rows, ``before`` to newer ones.

    ``limit_before_joins`` picks the page's ids before joining what ``select_related``
    asks for: worth it when the database must sort the matches (a search), a little slower
    when an index gives them in order.

    Raises ``BadCursor`` for a cursor that does not parse.
    """
    if before:
        created_at, pk = decode_cursor(before)
        rows = _first_rows(
            queryset.filter(newer_than(created_at, pk)).order_by("created_at", "id"),
            per_page + 1,
            limit_before_joins,
        )
        has_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        return KeysetPage(
            rows=rows,
            next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if rows else None,
            previous_cursor=(
                encode_cursor(rows[0].created_at, rows[0].pk) if rows and has_newer else None
            ),
            is_first=not has_newer,
        )
    newest_first = queryset.order_by("-created_at", "-id")
    if after:
        created_at, pk = decode_cursor(after)
        newest_first = newest_first.filter(older_than(created_at, pk))
    rows = _first_rows(newest_first, per_page + 1, limit_before_joins)
    has_older = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if has_older else None,
        previous_cursor=encode_cursor(rows[0].created_at, rows[0].pk) if after and rows else None,
        is_first=not after,
    )


def _first_rows(
    ordered: QuerySet[Generation], limit: int, limit_before_joins: bool
) -> list[Generation]:
    """The first ``limit`` rows of ``ordered``.

    With ``limit_before_joins``, ``WHERE id IN (<the filtered, ordered ids> LIMIT n)``: the
    joins (``select_related``) are made for those rows only, where PostgreSQL would
    otherwise join every match of a search (hundreds) before it sorts them and keeps 50.
    Where a database cannot slice a subquery (MySQL), the plain ``LIMIT``.
    """
    if limit_before_joins and connections[ordered.db].features.allow_sliced_subqueries_with_in:
        return list(ordered.filter(pk__in=ordered.values("pk")[:limit]))
    return list(ordered[:limit])


# Tab counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TabCount:
    value: int
    exact: bool  # False: ``value`` is a lower bound (capped) or an estimate
    estimated: bool = False

    def __str__(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        if self.estimated:
            return f"≈{compact_number(self.value)}"
        return f"{self.value:,}+"


def count_title(count: TabCount) -> str:
    """The hover text of a tab count that is not exact ("" for an exact one)."""
    if count.exact:
        return ""
    if count.estimated:
        return _("Estimated by the database planner")
    return _("More than %(cap)s") % {"cap": formats.localize(COUNT_CAP)}


def compact_number(value: int) -> str:
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.1f}".removesuffix(".0") + suffix
    return str(value)


def planner_estimate(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns (EXPLAIN, no execution)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    return _explain_rows(connection, *queryset.values("pk").query.sql_with_params())


def _explain_rows(connection: Any, sql: str, params: Any) -> int:
    """The planner's row estimate for ``sql``, before any ``LIMIT``: for
    ``... LIMIT n`` the estimate of the limited node's input, i.e. of every match."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    node = plan[0]["Plan"]
    if node.get("Node Type") == "Limit":
        # its input, not an InitPlan (a scalar subquery in the filter) listed before it
        for child in node.get("Plans", []):
            if child.get("Parent Relationship") == "Outer":
                node = child
                break
    return int(node["Plan Rows"])


def planner_estimates(querysets: list[QuerySet[Any]]) -> list[int | None]:
    """``planner_estimate`` of each queryset, from one ``EXPLAIN`` of their ``UNION ALL``
    (one round trip and one planning instead of one per tab); ``None`` each elsewhere."""
    if not querysets:
        return []
    connection = connections[querysets[0].db]
    if connection.vendor != "postgresql":
        return [None] * len(querysets)
    if len(querysets) > 1:
        first, *others = [queryset.order_by().values("pk") for queryset in querysets]
        union = first.union(*others, all=True).order_by()  # no Meta.ordering on the union
        sql, params = union.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        top = plan[0]["Plan"]
        children = top.get("Plans", [])
        if top.get("Node Type") == "Append" and len(children) == len(querysets):
            return [int(child["Plan Rows"]) for child in children]
    # one query, or a plan the planner simplified (e.g. an impossible branch dropped)
    return [planner_estimate(queryset) for queryset in querysets]


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> TabCount:
    """Exact up to ``cap`` (``COUNT_CAP``); beyond it PostgreSQL's estimate, or ``cap+``.

    On PostgreSQL the planner is asked first: when it expects more than
    ``ESTIMATE_FACTOR`` times the cap, its estimate is shown without counting (counting
    even ``cap + 1`` rows of a combined filter can mean thousands of heap reads).
    Otherwise at most ``cap + 1`` rows are counted (``LIMIT``), so a small set is exact.
    """
    unordered = queryset.order_by()
    return _capped_count(unordered, COUNT_CAP if cap is None else cap, planner_estimate(unordered))


def _capped_count(unordered: QuerySet[Any], cap: int, estimate: int | None) -> TabCount:
    return _capped_counts({"": (unordered, estimate)}, cap)[""]


def _capped_counts(
    tabs: dict[str, tuple[QuerySet[Any], int | None]], cap: int
) -> dict[str, TabCount]:
    """``capped_count`` of each ``(unordered queryset, planner estimate)``: the ones the
    estimate does not settle are counted together, in one statement."""
    counts: dict[str, TabCount] = {}
    to_count: dict[str, QuerySet[Any]] = {}
    for slug, (unordered, estimate) in tabs.items():
        if estimate is not None and estimate > cap * ESTIMATE_FACTOR:
            counts[slug] = TabCount(estimate, exact=False, estimated=True)
        else:
            to_count[slug] = unordered
    counted = _limited_counts(list(to_count.values()), cap + 1)
    for slug, number in zip(to_count, counted, strict=True):
        estimate = tabs[slug][1]
        if number <= cap:
            counts[slug] = TabCount(number, exact=True)
        elif estimate is not None and estimate > cap:
            counts[slug] = TabCount(estimate, exact=False, estimated=True)
        else:
            counts[slug] = TabCount(cap, exact=False)
    return {slug: counts[slug] for slug in tabs}


def _limited_counts(querysets: list[QuerySet[Any]], limit: int) -> list[int]:
    """``queryset.values("pk")[:limit].count()`` of each, in one round trip:
    ``SELECT (SELECT COUNT(*) FROM (… LIMIT n)), (SELECT COUNT(*) FROM (… LIMIT n)), …``."""
    if not querysets:
        return []
    if len(querysets) == 1:
        return [querysets[0].values("pk")[:limit].count()]
    columns: list[str] = []
    all_params: list[Any] = []
    for index, queryset in enumerate(querysets):
        sql, params = queryset.values("pk")[:limit].query.sql_with_params()
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) gs_counted{index})")
        all_params.extend(params)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", all_params)
        return [int(value) for value in cursor.fetchone()]


@dataclass
class Matches:
    """Every row of a filtered or searched panel, when there are at most ``COUNT_CAP``:
    ``(id, status)`` newest first. The exact tab counts are read from it, and the first
    page of any tab too (``page_from_matches``), without searching a second time."""

    rows: list[tuple[Any, str]]


def _execute(connection: Any, sql: str, params: Any) -> list[tuple[Any, ...]]:
    """The rows of a compiled ``values_list()`` of plain columns (no converters) in one
    ``fetchall()``: up to a thousand rows without the ORM's per-row iteration."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


@dataclass
class TabCounts:
    counts: dict[str, TabCount]
    matches: Matches | None = None  # only when every match was read


def tab_counts(
    queryset: QuerySet[Generation],
    *,
    filtered: bool = False,
    searched: bool = False,
    owner_scoped: bool = False,
) -> dict[str, TabCount]:
    """Counts per tab of ``queryset`` (already scoped and filtered, except by status); see
    ``count_tabs``."""
    return count_tabs(
        queryset, filtered=filtered, searched=searched, owner_scoped=owner_scoped
    ).counts


def count_tabs(
    queryset: QuerySet[Generation],
    *,
    filtered: bool = False,
    searched: bool = False,
    owner_scoped: bool = False,
) -> TabCounts:
    """Counts per tab of ``queryset`` (already scoped and filtered, except by status).

    - nothing filtered: every tab capped (``capped_count``): exact up to ``COUNT_CAP``
      (Active and Failed read the partial indexes of migrations 0002/0003, All and
      Completed an index), beyond it PostgreSQL's planner estimate;
    - filtered or searched, few matches (at most ``COUNT_CAP``): every tab exact, from one
      query that reads the ids and statuses of the matches, newest first (kept as
      ``matches`` for ``page_from_matches``);
    - filtered, many matches: every tab capped, then estimated;
    - searched, many matches (PostgreSQL's estimate): every tab is the planner's estimate,
      because counting the matches of a common word means reading them all;
    - ``owner_scoped`` (a user who sees only their own rows): the planner's guess for one
      owner reflects everybody's rows, so the capped sample is always read first.
    """
    unordered = queryset.order_by()

    def tabs() -> dict[str, QuerySet[Generation]]:
        return {
            slug: unordered.filter(status__in=sorted(GROUPS[status])) if status else unordered
            for slug, _label, status in TABS
        }

    scoped: dict[str, QuerySet[Generation]] | None = None  # built when needed
    estimates: dict[str, int | None] = {}
    whole: int | None = None
    if filtered or searched or owner_scoped:
        # the sample: (id, status) of every match newest first, if there are few
        newest = queryset.order_by("-created_at", "-id").values_list("pk", "status")
        connection = connections[queryset.db]
        sql = params = None
        if connection.vendor == "postgresql":
            if filtered and not searched and not owner_scoped:
                # a filter mostly leaves many rows: every tab's estimate in one EXPLAIN
                scoped = tabs()
                found = planner_estimates(list(scoped.values()))
                estimates = dict(zip(scoped, found, strict=True))
                whole = estimates["all"]
            else:  # one compiled query: asked for the planner's estimate, then run
                sql, params = newest[: COUNT_CAP + 1].query.sql_with_params()
                whole = _explain_rows(connection, sql, params)
        many = (
            not owner_scoped
            and whole is not None
            and whole > COUNT_CAP * (1 if searched else ESTIMATE_FACTOR)
        )
        if not many:
            if sql is None:
                sql, params = newest[: COUNT_CAP + 1].query.sql_with_params()
            sample = _execute(connection, sql, params)
            if len(sample) <= COUNT_CAP:
                per_status = Counter(status for _pk, status in sample)
                exact = {
                    slug: TabCount(
                        sum(per_status[s] for s in GROUPS[status]) if status else len(sample),
                        exact=True,
                    )
                    for slug, _label, status in TABS
                }
                return TabCounts(exact, Matches(sample))
    scoped = scoped or tabs()
    # the planner's estimates of every tab at once (the whole set's may be known already)
    to_estimate = [
        slug
        for slug in scoped
        if slug not in estimates and not (slug == "all" and whole is not None)
    ]
    if to_estimate:
        found = planner_estimates([scoped[slug] for slug in to_estimate])
        estimates.update(zip(to_estimate, found, strict=True))
    estimates.setdefault("all", whole)
    counts: dict[str, TabCount] = {}
    to_cap: dict[str, tuple[QuerySet[Generation], int | None]] = {}
    for slug, tab_queryset in scoped.items():
        estimate = estimates[slug]
        if searched and estimate is not None and estimate > COUNT_CAP:
            counts[slug] = TabCount(estimate, exact=False, estimated=True)
        else:
            to_cap[slug] = (tab_queryset, estimate)
    counts.update(_capped_counts(to_cap, COUNT_CAP))
    return TabCounts({slug: counts[slug] for slug in scoped})


def page_from_matches(
    queryset: QuerySet[Generation],
    matches: Matches,
    statuses: frozenset[str] | None = None,
    *,
    per_page: int = PER_PAGE,
) -> KeysetPage | None:
    """The first page of the matches narrowed to ``statuses`` from the ids ``count_tabs``
    already read: one primary-key lookup instead of a second search.

    ``queryset`` gives the rows: scoped to the user, with what a row needs joined; the
    filters need not be applied again (the ids already passed them: a search's ``LIKE``
    would be checked a second time for nothing). The status is, since it is the one
    column that changes. The same page ``keyset_page`` gives, or None when a row changed
    between the two reads (it left the tab, or was deleted): then ask ``keyset_page``.
    """
    ids = [pk for pk, status in matches.rows if statuses is None or status in statuses]
    wanted = ids[:per_page]
    lookup = queryset.filter(pk__in=wanted)
    if statuses is not None:
        lookup = lookup.filter(status__in=sorted(statuses))
    # the ids are newest first already: no ORDER BY to compile and sort
    by_pk = {row.pk: row for row in lookup.order_by()}
    if len(by_pk) < len(wanted):
        return None
    rows = [by_pk[pk] for pk in wanted]
    return KeysetPage(
        rows=rows,
        next_cursor=(
            encode_cursor(rows[-1].created_at, rows[-1].pk)
            if len(ids) > per_page and rows
            else None
        ),
        previous_cursor=None,
        is_first=True,
    )


def select_options(choices: Iterable[tuple[Any, Any]], selected: str | None) -> SafeString:
    """``<option>``s of ``choices`` (escaped), ``selected`` marked: what a template loop
    with an ``{% if %}`` per option prints, without the loop."""
    return SafeString(
        "".join(
            f'<option value="{_esc(str(value))}"{" selected" if str(value) == selected else ""}>'
            f"{_esc(label)}</option>"
            for value, label in choices
        )
    )


# Row presentation ----------------------------------------------------------------------


def timestamp(value: datetime) -> dict[str, str]:
    """ISO 8601 for ``<time datetime>`` and a readable UTC text for the hover title."""
    # isoformat() is C and a third of strftime's cost: "YYYY-MM-DDTHH:MM:SS…"[:19]; a
    # value in UTC already (what the database gives) needs no astimezone() and one call
    iso = value.isoformat()
    if value.utcoffset() == ZERO:
        text = iso[:19].replace("T", " ")
    else:
        text = value.astimezone(UTC).isoformat(" ", "seconds")[:19]
    return {"iso": iso, "text": f"{text} UTC"}


def time_ago(
    value: datetime | None, now: datetime | None = None, *, language: str | None = None
) -> str:
    """ "just now", "5m ago", "2h ago", "3d ago", then the date. ``language``: the active
    one, when the caller already knows it (50 rows, one lookup)."""
    if value is None:
        return ""
    seconds = int(((now or timezone.now()) - value).total_seconds())
    just_now, ago = _ago_texts(language or get_language())
    if seconds < 45:
        return just_now
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "m")):
        if seconds >= size:
            amount = max(1, round(seconds / size)) if unit == "m" else seconds // size
            if unit == "d" and amount > 30:
                return value.date().isoformat()
            return ago % {"amount": amount, "unit": unit}
    return just_now  # pragma: no cover - seconds < 60 handled above


@lru_cache(maxsize=16)
def _ago_texts(language: str | None) -> tuple[str, str]:
    """time_ago's two texts, translated once per language rather than once per row."""
    return _("just now"), _("%(amount)d%(unit)s ago")


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {seconds}s"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{value.total_seconds():.1f}s"


def preview(text: str, length: int, *, language: str | None = None) -> str:
    """``Truncator(text).chars(length)``, without its per-character loop for ASCII text.

    ASCII text has no combining characters and is already NFC, so the cut is a slice.
    ``language``: the active one, when the caller already knows it.
    """
    if text.isascii():
        if len(text) <= length:
            return text
        tail = _truncation_text(language or get_language())
        return add_truncation_text(text[: calculate_truncate_chars_length(length, tail)], tail)
    return Truncator(text).chars(length)


@lru_cache(maxsize=16)
def _truncation_text(language: str | None) -> str:
    """Django's translated "…" of ``Truncator``, looked up once per language."""
    return pgettext("String to return when truncating text", "%(truncated_text)s…")


# Row markup ----------------------------------------------------------------------------

ROW_TEMPLATE = "genstatus/admin/panel_row.html"
# What {% for row in rows %}{% include %} in panel.html puts after each row.
ROW_SEPARATOR = "\n          "
# The annotation that carries a row's owner name (GenerationAdmin.get_panel_rows_queryset).
OWNER_NAME = "gs_owner_name"


class RowRef:
    """The attempt a row was retried as, by primary key (``row["retried_as"].pk``)."""

    __slots__ = ("pk",)

    def __init__(self, pk: Any) -> None:
        self.pk = pk


class RowValues:
    """What genstatus's own panel row reads of a generation (``ROW_VALUES``, the owner's
    name and the attempt it was retried as), from one ``values_list()`` row instead of a
    model instance: about a third of the cost per row. ``as_row_values`` gives a queryset
    of them; ``GenerationAdmin`` reads its page this way while nothing customizes how a
    row is read or shown (``get_panel_row``, ``get_panel_rows_queryset`` and both panel
    templates are genstatus's own)."""

    retried_as: RowRef | None

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.__dict__.update(zip(ROW_VALUE_NAMES, values, strict=True))
        retried_pk = self.__dict__.pop("retried_as_id")
        self.retried_as = None if retried_pk is None else RowRef(retried_pk)

    @property
    def pk(self) -> Any:
        return self.id  # type: ignore[attr-defined]


# The generation fields of a RowValues, then the two joined values.
ROW_VALUES = (
    "id",
    "owner_id",
    "asset_id",
    "provider",
    "operation_type",
    "prompt",
    "status",
    "error_message",
    "retry_count",
    "version",
    "created_at",
    "cancel_requested_at",
)
ROW_VALUE_NAMES = (*ROW_VALUES, "retried_as_id", OWNER_NAME)


class _RowValuesIterable(ValuesListIterable):
    def __iter__(self) -> Iterator[RowValues]:
        return map(RowValues, super().__iter__())


def as_row_values(queryset: QuerySet[Generation]) -> QuerySet[Any]:
    """``queryset`` (with the ``OWNER_NAME`` annotation) yielding ``RowValues``."""
    values = queryset.values_list(*ROW_VALUES, "retried_as__id", OWNER_NAME)
    values._iterable_class = _RowValuesIterable
    return values


def row_owner(generation: Generation) -> Any:
    """What a row prints as the owner: the name the rows' query annotated, else the owner
    itself (selected with the row)."""
    try:
        return generation.__dict__[OWNER_NAME]
    except KeyError:
        return generation.owner


def default_row_template_in_use() -> bool:
    """True while ``genstatus/admin/panel_row.html`` resolves to genstatus's own file."""
    return own_template_in_use(ROW_TEMPLATE)


@lru_cache(maxsize=16)
def _row_labels(language: str | None) -> dict[str, str]:
    """The t_* labels panel.html translates for its rows, translated and escaped once."""
    return {
        key: html.escape(_(text))
        for key, text in (
            ("select", "Select generation"),
            ("details", "Details: parameters, timestamps, history"),
            ("cancel_requested", "Cancel requested"),
            ("retry_count", "Retry count"),
            ("retried_as", "retried as"),
            ("retry", "Retry"),
            ("cancel", "Cancel"),
            ("open_asset", "Open asset"),
        )
    }


def _clear_caches(**kwargs: Any) -> None:
    if kwargs.get("setting") in {"TEMPLATES", "INSTALLED_APPS", "LANGUAGE_CODE", "LANGUAGES"}:
        _row_labels.cache_clear()
        _ago_texts.cache_clear()
        _truncation_text.cache_clear()


setting_changed.connect(_clear_caches, dispatch_uid="genstatus.panel.clear_caches")


def _esc(value: Any) -> str:
    """What ``{{ value }}`` prints for a string or a model instance (autoescaped)."""
    if type(value) is str:
        return html.escape(value)
    return str(conditional_escape(value))


def _num(value: Any) -> str:
    """What ``{{ value|unlocalize }}`` prints (ids, versions, counts)."""
    return str(value) if type(value) is int else _esc(value)


def render_rows(
    rows: Iterable[dict[str, Any]], *, has_change_permission: bool, show_owner: bool
) -> SafeString:
    """The rows as ``{% for row in rows %}{% include ROW_TEMPLATE %}`` in panel.html prints
    them, built as strings: the same bytes (tests compare the two for rows in every state),
    a fraction of the time. Use only while ``default_row_template_in_use()``.

    Every value that comes from a row (prompt, error, provider, operation, owner, URLs) is
    escaped as the template would escape it.
    """
    labels = _row_labels(get_language())
    displays: dict[int, tuple[str, str, str]] = {}
    icons: dict[str, str] = {}  # the same few SVGs on every row: escaped once each
    parts: list[str] = []
    for row in rows:
        g = row["generation"]
        display = row["display"]
        shown = displays.get(id(display))
        if shown is None:
            spin = " gs-spin" if display.spinning else ""
            shown = displays[id(display)] = (
                f"gs-status--{_esc(display.color)}{spin}",
                _esc(display.label),
                _esc(display.description),
            )
        status_classes, label, description = shown
        pk = _num(g.pk)
        status = _esc(g.status)
        failed_error = g.error_message if g.status == "failed" else ""
        detail_url = _esc(row["detail_url"])
        checkbox = (
            f'<td class="action-checkbox"><input type="checkbox" name="ids" value="{pk}" '
            f'class="action-select" aria-label="{labels["select"]} #{pk}"></td>'
            if has_change_permission
            else ""
        )
        error = (
            f'<div class="gs-error" data-gs-error>{_esc(failed_error)}</div>'
            if failed_error
            else ""
        )
        note = (
            f'<div class="gs-note">{labels["cancel_requested"]}</div>'
            if g.cancel_requested_at and g.status == "processing"
            else ""
        )
        owner = ""
        if show_owner:
            owner_value = row["owner"] if "owner" in row else row_owner(g)
            owner = f'<td class="gs-col-owner">{_esc(owner_value) if owner_value else "—"}</td>'
        retries = (
            f'<span class="gs-retries" title="{labels["retry_count"]}">↻ '
            f"{_num(g.retry_count)}</span>"
            if g.retry_count
            else ""
        )
        retried_as = row["retried_as"]
        retried = (
            f'<a class="gs-retried-as" href="{_esc(row["retried_as_url"])}">'
            f"{labels['retried_as']} #{_num(retried_as.pk)}</a>"
            if retried_as
            else ""
        )
        buttons = ""
        if has_change_permission:
            retry = (
                f'<button type="submit" form="gs-row-form" name="row_action" value="retry:{pk}" '
                f'class="button gs-action" data-gs-action="retry">{labels["retry"]}</button>'
                if row["can_retry"]
                else ""
            )
            cancel = (
                f'<button type="submit" form="gs-row-form" name="row_action" value="cancel:{pk}" '
                f'class="button gs-action" data-gs-action="cancel">{labels["cancel"]}</button>'
                if row["can_cancel"]
                else ""
            )
            buttons = f"\n      {retry}\n      {cancel}\n    "
        open_url = row["open_asset_url"]
        opener = (
            f'<a class="gs-action gs-open" href="{_esc(open_url)}" data-gs-action="open">'
            f"{labels['open_asset']}</a>"
            if open_url
            else ""
        )
        asset_id = g.asset_id
        created = row["created"]
        icon = icons.get(row["icon"])
        if icon is None:
            icon = icons[row["icon"]] = _esc(row["icon"])
        parts.append(
            f'\n<tr class="gs-row gs-row--{status}" data-gs-generation="{pk}" '
            f'data-gs-status="{status}" data-gs-version="{_num(g.version)}" '
            f'data-gs-asset="{"" if asset_id is None else _num(asset_id)}">\n'
            f"  {checkbox}\n"
            f'  <td class="gs-col-status"><span class="gs-status {status_classes}" '
            f'data-gs-icon-slot role="img" aria-label="{label}" '
            f'title="{_esc(failed_error) if failed_error else description}">'
            f"{icon}</span></td>\n"
            '  <td class="gs-col-prompt">\n'
            f'    <details class="gs-detail" data-gs-detail-url="{detail_url}?fragment=1">\n'
            f'      <summary title="{_esc(g.prompt)}"><span class="gs-id">#{pk}</span> '
            f"<span data-gs-prompt>{_esc(row['prompt_preview'] or '—')}</span></summary>\n"
            '      <div class="gs-detail__body" data-gs-detail-body>'
            f'<a href="{detail_url}">{labels["details"]}</a></div>\n'
            "    </details>\n"
            f"    {error}\n"
            f"    {note}\n"
            "  </td>\n"
            f'  <td class="gs-col-kind">{_esc(g.provider)} · {_esc(g.operation_type)}</td>\n'
            f"  {owner}\n"
            f'  <td class="gs-col-time"><time datetime="{_esc(created["iso"])}" '
            f'title="{_esc(created["text"])}">{_esc(row["time_ago"])}</time></td>\n'
            f'  <td class="gs-col-num">{retries}</td>\n'
            '  <td class="gs-col-actions">\n'
            f"    {retried}\n"
            f"    {buttons}\n"
            f"    {opener}\n"
            "  </td>\n"
            "</tr>\n"
        )
        parts.append(ROW_SEPARATOR)
    return SafeString("".join(parts))


def can_retry(generation: Generation) -> bool:
    """Failed or cancelled and not retried yet (needs ``retried_as`` selected)."""
    if generation.status not in RETRYABLE:
        return False
    try:
        generation.retried_as  # noqa: B018 - the reverse one-to-one raises when missing
    except Generation.DoesNotExist:
        return True
    return False


def can_cancel(generation: Generation) -> bool:
    return generation.status in ACTIVE and generation.cancel_requested_at is None


# Bulk actions --------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    # name -> (past tense for the summary, lifecycle call)
    "retry": ("retried", lifecycle.retry),
    "cancel": ("cancelled", lifecycle.request_cancel),
}


def skip_reason(error: InvalidTransition) -> str:
    """Why a row was skipped, in a few words for the summary message."""
    if isinstance(error, RetryLimitReached):
        return _("retry limit reached")
    if error.requested == "retry":
        if error.status in RETRYABLE:
            return _("already retried")
        if error.status in TERMINAL:
            return _("already %(status)s") % {"status": error.status}
        return _("still running")
    if error.status in TERMINAL:
        return _("already %(status)s") % {"status": error.status}
    return _("not allowed")


@dataclass
class BulkResult:
    action: str
    done: list[Generation] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def message(self) -> str:
        """E.g. "3 retried, 2 skipped: already completed"."""
        verb = ACTIONS[self.action][0]
        text = f"{len(self.done)} {verb}"
        total_skipped = sum(self.skipped.values())
        if total_skipped:
            if len(self.skipped) == 1:
                reasons = next(iter(self.skipped))
            else:
                reasons = ", ".join(
                    f"{count} {reason}" for reason, count in self.skipped.most_common()
                )
            text += ", " + ngettext(
                "%(count)d skipped: %(reasons)s", "%(count)d skipped: %(reasons)s", total_skipped
            ) % {"count": total_skipped, "reasons": reasons}
        return text


def run_bulk(
    action: str,
    generations: Iterable[Generation],
    *,
    actor: Any,
    missing: int = 0,
) -> BulkResult:
    """Apply ``action`` ("retry" or "cancel") to each generation through the lifecycle.

    ``missing`` counts requested ids that do not exist or are not visible to the actor.
    """
    _verb, call = ACTIONS[action]
    result = BulkResult(action)
    for generation in generations:
        try:
            call(generation, actor=actor)
        except InvalidTransition as error:
            result.skipped[skip_reason(error)] += 1
        else:
            result.done.append(generation)
    if missing:
        result.skipped[_("not found")] += missing
    return result

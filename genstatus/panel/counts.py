"""Tab counts of the panel without ``COUNT(*)`` over the whole table.

Exact up to ``COUNT_CAP`` (a ``LIMIT`` count; Active and Failed read the partial indexes
of migrations 0002/0003), PostgreSQL's planner estimate beyond it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from genstatus.models import Generation
from genstatus.panel.pagination import Matches
from genstatus.states import GROUPS, TABS

COUNT_CAP = 1000
# A search whose matches are all read, for exact counts and pages by id: a rare word's
# trigram matches are read in one scan, where counting each tab would scan them once per
# tab and a deep keyset page may walk a date index past every non-match (10,000,000 rows:
# docs/benchmarks.md). Its ids and statuses: 10,000 rows are ~0.5 MB in memory.
SEARCH_SAMPLE_CAP = 10_000
# Beyond COUNT_CAP * ESTIMATE_FACTOR rows by the planner's estimate, a count is not even
# attempted: the estimate is shown.
ESTIMATE_FACTOR = 10


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


def _plan(connection: Any, sql: str, params: Any) -> dict[str, Any]:
    """The top node of PostgreSQL's plan for ``sql`` (``EXPLAIN``, no execution)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # psycopg 2 / some adapters give the JSON as text
        plan = json.loads(plan)
    top: dict[str, Any] = plan[0]["Plan"]
    return top


def _explain_rows(connection: Any, sql: str, params: Any) -> int:
    """The planner's row estimate for ``sql``, before any ``LIMIT``: for
    ``... LIMIT n`` the estimate of the limited node's input, i.e. of every match."""
    node = _plan(connection, sql, params)
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
        top = _plan(connection, *union.query.sql_with_params())
        children = top.get("Plans", [])
        if top.get("Node Type") == "Append" and len(children) == len(querysets):
            return [int(child["Plan Rows"]) for child in children]
    # one query, or a plan the planner simplified (e.g. an impossible branch dropped)
    return [planner_estimate(queryset) for queryset in querysets]


def capped_counts(
    tabs: dict[str, tuple[QuerySet[Any], int | None]], cap: int
) -> dict[str, TabCount]:
    """Each ``(unordered queryset, planner estimate)`` counted up to ``cap``: exact up to
    ``cap``; beyond it the estimate, or ``cap+``.

    When the planner expects more than ``ESTIMATE_FACTOR`` times the cap, its estimate is
    shown without counting (counting even ``cap + 1`` rows of a combined filter can mean
    thousands of heap reads). The others are counted together, in one statement, each at
    most ``cap + 1`` rows (``LIMIT``), so a small set is exact.
    """
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


def count_tabs(
    queryset: QuerySet[Generation],
    *,
    filtered: bool = False,
    searched: bool = False,
    owner_scoped: bool = False,
) -> TabCounts:
    """Counts per tab (``states.TABS``) of ``queryset`` (scoped and filtered, except by
    status).

    - nothing filtered: every tab capped (``capped_counts``): exact up to ``COUNT_CAP``
      (Active and Failed read the partial indexes of migrations 0002/0003, All and
      Completed an index), beyond it PostgreSQL's planner estimate;
    - filtered or searched, few matches (at most ``COUNT_CAP``; ``SEARCH_SAMPLE_CAP`` for a
      search): every tab exact, from one query that reads the ids and statuses of the
      matches, newest first (kept as ``matches`` for ``page_from_matches``);
    - filtered, many matches: every tab capped, then estimated;
    - searched, many matches (PostgreSQL's estimate): every tab is the planner's estimate,
      because counting the matches of a common word means reading them all;
    - ``owner_scoped`` (a user who sees only their own rows): the planner's guess for one
      owner reflects everybody's rows, so the capped sample is always read first.
    """
    unordered = queryset.order_by()
    tabs = {tab.slug: _tab_queryset(unordered, tab.group) for tab in TABS}
    estimates: dict[str, int | None] = {}
    if filtered or searched or owner_scoped:
        sampled = _count_from_sample(
            queryset, tabs, estimates, searched=searched, owner_scoped=owner_scoped
        )
        if sampled is not None:
            return sampled
    missing = [slug for slug in tabs if slug not in estimates]
    estimates.update(zip(missing, planner_estimates([tabs[s] for s in missing]), strict=True))
    counts: dict[str, TabCount] = {}
    to_cap: dict[str, tuple[QuerySet[Any], int | None]] = {}
    for slug, tab_queryset in tabs.items():
        estimate = estimates[slug]
        if searched and estimate is not None and estimate > COUNT_CAP:
            counts[slug] = TabCount(estimate, exact=False, estimated=True)
        else:
            to_cap[slug] = (tab_queryset, estimate)
    counts.update(capped_counts(to_cap, COUNT_CAP))
    return TabCounts({slug: counts[slug] for slug in tabs})


def _tab_queryset(unordered: QuerySet[Generation], group: str) -> QuerySet[Generation]:
    return unordered.filter(status__in=sorted(GROUPS[group])) if group else unordered


def _count_from_sample(
    queryset: QuerySet[Generation],
    tabs: dict[str, QuerySet[Generation]],
    estimates: dict[str, int | None],
    *,
    searched: bool,
    owner_scoped: bool,
) -> TabCounts | None:
    """Exact counts from the ``(id, status)`` of every match when there are at most
    ``COUNT_CAP`` (``SEARCH_SAMPLE_CAP`` for a search); None when there are more
    (``estimates`` then holds what the planner said, so that it is not asked twice)."""
    newest = queryset.order_by("-created_at", "-id").values_list("pk", "status")
    connection = connections[queryset.db]
    cap = SEARCH_SAMPLE_CAP if searched else COUNT_CAP
    sql, params = newest[: cap + 1].query.sql_with_params()
    whole: int | None = None
    if connection.vendor == "postgresql" and not owner_scoped:
        if searched:  # one compiled query: asked for the planner's estimate, then run
            whole = _explain_rows(connection, sql, params)
        else:  # a filter mostly leaves many rows: every tab's estimate in one EXPLAIN
            estimates.update(zip(tabs, planner_estimates(list(tabs.values())), strict=True))
            whole = estimates["all"]
        estimates["all"] = whole
        if whole is not None and whole > cap * (1 if searched else ESTIMATE_FACTOR):
            return None
    sample = _execute(connection, sql, params)
    if len(sample) > cap:
        return None
    per_status = Counter(status for _pk, status in sample)
    exact = {
        tab.slug: TabCount(sum(per_status[s] for s in tab.statuses), exact=True) for tab in TABS
    }
    return TabCounts(exact, Matches(sample))

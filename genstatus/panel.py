"""The Generations panel's building blocks, kept free of admin wiring so they can be tested.

- Keyset pagination by ``(created_at, id)``, newest first: a page costs one index range
  scan whatever its depth, and nothing ever runs ``COUNT(*)`` over the whole table.
- Tab counts: exact for the small Active and Failed sets (partial indexes from migration
  0002), capped at ``COUNT_CAP`` for All and Completed, with PostgreSQL's planner estimate
  shown beyond the cap.
- Bulk actions through ``genstatus.lifecycle``, summarised as "3 retried, 2 skipped:
  already completed".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from genstatus import lifecycle
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.models import Generation
from genstatus.states import ACTIVE, GROUPS, RETRYABLE, TERMINAL

PER_PAGE = 50
COUNT_CAP = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The tabs: (slug, label, value of the FilterSet's ``status`` field or "" for all).
TABS: list[tuple[str, str, str]] = [
    ("all", "All", ""),
    ("active", "Active", "active"),
    ("failed", "Failed", "failed"),
    ("completed", "Completed", "completed"),
]
EXACT_TABS = frozenset({"active", "failed"})


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
) -> KeysetPage:
    """One page newest first; ``after`` continues to older rows, ``before`` to newer ones.

    Raises ``BadCursor`` for a cursor that does not parse.
    """
    if before:
        created_at, pk = decode_cursor(before)
        rows = list(
            queryset.filter(newer_than(created_at, pk)).order_by("created_at", "id")[: per_page + 1]
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
    rows = list(newest_first[: per_page + 1])
    has_older = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if has_older else None,
        previous_cursor=encode_cursor(rows[0].created_at, rows[0].pk) if after and rows else None,
        is_first=not after,
    )


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
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> TabCount:
    """Exact up to ``cap`` (``COUNT_CAP``); beyond it PostgreSQL's estimate, or ``cap+``."""
    cap = COUNT_CAP if cap is None else cap
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    if counted <= cap:
        return TabCount(counted, exact=True)
    estimate = planner_estimate(queryset.order_by())
    if estimate is not None and estimate > cap:
        return TabCount(estimate, exact=False, estimated=True)
    return TabCount(cap, exact=False)


def tab_counts(
    queryset: QuerySet[Generation], *, filtered: bool = False, searched: bool = False
) -> dict[str, TabCount]:
    """Counts per tab of ``queryset`` (already scoped and filtered, except by status).

    - nothing filtered: Active and Failed exact (index-only scans of the partial indexes
      of migration 0002), All and Completed capped at ``COUNT_CAP``, then estimated;
    - filtered or searched, few matches (at most ``COUNT_CAP``): every tab exact, from one
      query that reads the statuses of the matches;
    - filtered, many matches: every tab capped, then estimated (a capped count reads at
      most ``COUNT_CAP + 1`` index entries);
    - searched, many matches (PostgreSQL's estimate): every tab is the planner's estimate,
      because counting the matches of a common word means reading them all.
    """
    unordered = queryset.order_by()
    if filtered or searched:
        estimate = planner_estimate(unordered) if searched else None
        if estimate is None or estimate <= COUNT_CAP:
            sample = list(unordered.values_list("status", flat=True)[: COUNT_CAP + 1])
            if len(sample) <= COUNT_CAP:
                per_status = Counter(sample)
                return {
                    slug: TabCount(
                        sum(per_status[s] for s in GROUPS[status]) if status else len(sample),
                        exact=True,
                    )
                    for slug, _label, status in TABS
                }
    counts: dict[str, TabCount] = {}
    for slug, _label, status in TABS:
        scoped = unordered.filter(status__in=sorted(GROUPS[status])) if status else unordered
        estimate = planner_estimate(scoped) if searched else None
        if estimate is not None and estimate > COUNT_CAP:
            counts[slug] = TabCount(estimate, exact=False, estimated=True)
        elif slug in EXACT_TABS and not filtered and not searched:
            counts[slug] = TabCount(scoped.count(), exact=True)
        else:
            counts[slug] = capped_count(scoped)
    return counts


# Row presentation ----------------------------------------------------------------------


@lru_cache(maxsize=16)
def icon_svg(name: str) -> SafeString:
    """The inline SVG of ``templates/genstatus/icons/<name>.svg``, read once."""
    return mark_safe(render_to_string(f"genstatus/icons/{name}.svg").strip())


def timestamp(value: datetime) -> dict[str, str]:
    """ISO 8601 for ``<time datetime>`` and a readable UTC text for the hover title."""
    utc = value.astimezone(UTC)
    return {"iso": value.isoformat(), "text": utc.strftime("%Y-%m-%d %H:%M:%S UTC")}


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "5m ago", "2h ago", "3d ago", then the date."""
    if value is None:
        return ""
    seconds = int(((now or timezone.now()) - value).total_seconds())
    if seconds < 45:
        return _("just now")
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "m")):
        if seconds >= size:
            amount = max(1, round(seconds / size)) if unit == "m" else seconds // size
            if unit == "d" and amount > 30:
                return value.date().isoformat()
            return _("%(amount)d%(unit)s ago") % {"amount": amount, "unit": unit}
    return _("just now")  # pragma: no cover - seconds < 60 handled above


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

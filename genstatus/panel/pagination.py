"""Keyset pagination of the panel by ``(created_at, id)``, newest first.

A page costs one index range scan whatever its depth; nothing runs ``COUNT(*)`` over the
whole table. ``page_from_matches`` builds a filtered or searched page from the ids the tab
counts already read (``counts.Matches``) instead of searching a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet

from genstatus.models import Generation

PER_PAGE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Matches:
    """Every row of a filtered panel (at most ``COUNT_CAP``) or of a search (at most
    ``SEARCH_SAMPLE_CAP``): ``(id, status)`` newest first. The exact tab counts are read
    from it, and any page of any tab too (``page_from_matches``), without searching again."""

    rows: list[tuple[Any, str]]


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


def page_from_matches(
    queryset: QuerySet[Generation],
    matches: Matches,
    statuses: frozenset[str] | None = None,
    *,
    per_page: int = PER_PAGE,
    after: str | None = None,
    before: str | None = None,
) -> KeysetPage | None:
    """A page of the matches narrowed to ``statuses`` from the ids ``count_tabs`` already
    read: one primary-key lookup instead of a second search. The first page, or the page
    ``after`` / ``before`` a cursor, which is found in the matches by its id.

    ``queryset`` gives the rows: scoped to the user, with what a row needs joined; the
    filters need not be applied again (the ids already passed them: a search's ``LIKE``
    would be checked a second time for nothing). The status is, since it is the one
    column that changes. The same page ``keyset_page`` gives, or None when a row changed
    between the two reads (it left the tab, or was deleted) or the cursor's row is not
    among the matches: then ask ``keyset_page``. Raises ``BadCursor``.
    """
    ids = [pk for pk, status in matches.rows if statuses is None or status in statuses]
    window = _window(ids, per_page, after=after, before=before)
    if window is None:
        return None
    start, stop = window
    wanted = ids[start:stop]
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
            encode_cursor(rows[-1].created_at, rows[-1].pk) if len(ids) > stop and rows else None
        ),
        previous_cursor=(
            encode_cursor(rows[0].created_at, rows[0].pk) if start > 0 and rows else None
        ),
        is_first=start == 0,
    )


def _window(
    ids: list[Any], per_page: int, *, after: str | None, before: str | None
) -> tuple[int, int] | None:
    """``(start, stop)`` of the page in ``ids``; None when the cursor's row is not there."""
    cursor = after or before
    if not cursor:
        return 0, per_page
    _created_at, pk = decode_cursor(cursor)
    try:
        position = ids.index(pk)
    except ValueError:
        return None
    if after:
        return position + 1, position + 1 + per_page
    return max(0, position - per_page), position

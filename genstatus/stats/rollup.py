"""Everyone's counts per closed UTC day (``models.DailyStat``).

The 30-day window of the Statistics page for a user who sees every generation reads the
whole days inside the window from here (about 100 rows a day, whatever the traffic) and
only its two partial days from the generations table. A day is closed ``GRACE`` after
UTC midnight (a job finishing just before midnight may commit just after); its counts
are written once, by the first read that needs them, from the indexes of migration 0005.
Counts never change afterwards: a generation pruned later still counts on its day.
Durations are kept as histograms (``percentiles.histogram_queries``), from which the
30-day percentiles are estimated.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import Count, Sum

from genstatus.models import DailyStat, Generation
from genstatus.states import Status
from genstatus.stats.percentiles import RUN, WAIT, histogram_queries
from genstatus.stats.sql import EpochBucket

DAY = timedelta(days=1)
GRACE = timedelta(minutes=5)
EPOCH = date(1970, 1, 1)
FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
CREATED, DONE, CLOSED = "created", "finished", "closed"


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def closed_days(start: datetime, now: datetime) -> tuple[datetime, datetime] | None:
    """The UTC midnights ``[first, last)`` bounding the whole, closed days inside
    ``[start, now)``; None when there is none."""
    first = midnight(start.astimezone(UTC).date())
    if first < start:
        first += DAY
    last = midnight((now - GRACE).astimezone(UTC).date())
    return (first, last) if first < last else None


def ensure(first: datetime, last: datetime) -> None:
    """Count the days of ``[first, last)`` not counted yet (one grouped read each for
    created and finished rows over the missing span)."""
    days = {first.date() + timedelta(days=n) for n in range((last - first).days)}
    done = set(DailyStat.objects.filter(kind=CLOSED, day__in=days).values_list("day", flat=True))
    missing = days - done
    if not missing:
        return
    lo, hi = midnight(min(missing)), midnight(max(missing)) + DAY
    rows = [*_finished(lo, hi, missing), *_created(lo, hi, missing), *_durations(lo, hi, missing)]
    rows += [DailyStat(day=day, kind=CLOSED) for day in missing]
    with transaction.atomic():
        DailyStat.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def _day(number: int) -> date:
    return EPOCH + timedelta(days=number)


def _finished(lo: datetime, hi: datetime, missing: set[date]) -> Iterator[DailyStat]:
    grouped: Any = (
        Generation.objects.filter(finished_at__gte=lo, finished_at__lt=hi, status__in=FINISHED)
        .order_by()
        .values(
            "provider",
            "operation_type",
            "status",
            "error_code",
            number=EpochBucket("finished_at", 86400),
        )
        .annotate(n=Count("*"))
    )
    for row in grouped:
        day = _day(row["number"])
        if day in missing:
            code = row["error_code"] if row["status"] == Status.FAILED else ""
            yield DailyStat(
                day=day,
                kind=DONE,
                provider=row["provider"],
                operation_type=row["operation_type"],
                status=row["status"],
                error_code=code,
                count=row["n"],
            )


def _created(lo: datetime, hi: datetime, missing: set[date]) -> Iterator[DailyStat]:
    grouped: Any = (
        Generation.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by()
        .values("provider", "operation_type", number=EpochBucket("created_at", 86400))
        .annotate(n=Count("*"))
    )
    for row in grouped:
        day = _day(row["number"])
        if day in missing:
            yield DailyStat(
                day=day,
                kind=CREATED,
                provider=row["provider"],
                operation_type=row["operation_type"],
                count=row["n"],
            )


def _durations(lo: datetime, hi: datetime, missing: set[date]) -> Iterator[DailyStat]:
    """One row per day, provider, operation and kind: its histogram ``{bucket: count}``."""
    finished = Generation.objects.filter(finished_at__gte=lo, finished_at__lt=hi).order_by()
    histograms: dict[tuple[date, str, str, str], dict[str, int]] = {}
    for kind, grouped in histogram_queries(finished, number=EpochBucket("finished_at", 86400)):
        for row in grouped:
            day = _day(row["number"])
            if day in missing:
                key = (day, kind, row["provider"], row["operation_type"])
                histograms.setdefault(key, {})[str(row["bucket"])] = row["n"]
    for (day, kind, provider, operation), histogram in histograms.items():
        yield DailyStat(
            day=day,
            kind=kind,
            provider=provider,
            operation_type=operation,
            count=sum(histogram.values()),
            histogram=histogram,
        )


def _days(first: datetime, last: datetime, *kinds: str) -> Any:
    return DailyStat.objects.filter(day__gte=first.date(), day__lt=last.date(), kind__in=kinds)


def counted(first: datetime, last: datetime) -> tuple[Any, Any, Any]:
    """The days of ``[first, last)``, counting any day not counted yet: rows of
    ``(provider, operation, number)`` created, of ``(provider, operation, status, code,
    number)`` finished (both summed over the days), and of ``(provider, status, day,
    number)`` completed or failed, per day (the series)."""
    ensure(first, last)
    created = (
        _days(first, last, CREATED)
        .values_list("provider", "operation_type")
        .annotate(n=Sum("count"))
        .order_by()
    )
    finished = (
        _days(first, last, DONE)
        .values_list("provider", "operation_type", "status", "error_code")
        .annotate(n=Sum("count"))
        .order_by()
    )
    series = (
        _days(first, last, DONE)
        .exclude(status=Status.CANCELLED)
        .values_list("provider", "status", "day")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return created, finished, series


def histograms(first: datetime, last: datetime) -> list[tuple[str, str, str, int, int]]:
    """The duration histograms of the days of ``[first, last)`` summed over the days: rows
    of ``(kind, provider, operation, bucket, count)``. PostgreSQL sums them itself
    (``jsonb_each_text``); elsewhere the daily rows are summed here."""
    days = _days(first, last, WAIT, RUN)
    if connections[days.db].vendor == "postgresql":
        inner, params = days.values(
            "kind", "provider", "operation_type", "histogram"
        ).query.sql_with_params()
        sql = (
            "SELECT d.kind, d.provider, d.operation_type, h.key::int, SUM(h.value::int) "
            f"FROM ({inner}) d, jsonb_each_text(d.histogram) h "
            "GROUP BY d.kind, d.provider, d.operation_type, h.key"
        )
        with connections[days.db].cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]
    merged: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for kind, provider, operation, histogram in days.values_list(
        "kind", "provider", "operation_type", "histogram"
    ):
        merged[(kind, provider, operation)].update(histogram)
    return [
        (kind, provider, operation, int(bucket), number)
        for (kind, provider, operation), counts in merged.items()
        for bucket, number in counts.items()
    ]


def day_number(day: date) -> int:
    """The day's bucket number (``EpochBucket(..., 86400)``)."""
    return (day - EPOCH).days

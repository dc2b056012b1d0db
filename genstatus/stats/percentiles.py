"""Queue wait and run duration, p50 and p95, per level (provider and operation, provider,
everything): exact, or estimated from duration histograms.

- ``exact(finished)``: PostgreSQL's ``percentile_cont`` (every level in one statement,
  ``GROUPING SETS``); on SQLite and MariaDB the durations of the window's rows are read
  and ``sql.percentile_cont`` interpolates the same way. Used for every window except
  everyone's 30 days.
- ``estimate(histograms)``: from counts per duration bucket (``sql.log_bucket``, buckets
  19 % wide) summed over the closed days of the rollup and the window's two partial days:
  within one bucket of the exact value, like Prometheus's ``histogram_quantile``. Sorting
  the 60,000 durations of a 30-day window at a million generations takes longer than the
  page's budget; summing histograms does not. The page marks such figures with "≈".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Count, QuerySet

from genstatus.models import Generation
from genstatus.states import Status
from genstatus.stats.sql import RATIO, Seconds, bucket_bounds, log_bucket, percentile_cont

PERCENTILES = (0.5, 0.95)
ALL = ""  # the key of "every operation" (a provider's total) and "every provider"
WAIT, RUN = "wait", "run"

Key = tuple[str, str]


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p95: float
    estimated: bool = False  # from histograms (within one bucket), not exact


Durations = tuple[Percentiles | None, Percentiles | None]  # queue wait, run duration
Histograms = dict[tuple[Key, str], dict[int, int]]  # (level, WAIT | RUN) → bucket → count


def levels(provider: str, operation: str) -> list[Key]:
    return [(provider, operation), (provider, ALL), (ALL, ALL)]


def exact(finished: QuerySet[Generation]) -> dict[Key, Durations]:
    started = finished.filter(started_at__isnull=False)
    if connections[finished.db].vendor == "postgresql":
        return postgres_percentiles(started)
    return portable_percentiles(started)


def portable_percentiles(started: QuerySet[Generation]) -> dict[Key, Durations]:
    """Per level, interpolated in Python (SQLite, MariaDB): reads the four timestamps of
    each finished row of the window."""
    waits: dict[Key, list[float]] = defaultdict(list)
    runs: dict[Key, list[float]] = defaultdict(list)
    rows = started.values_list(
        "provider", "operation_type", "status", "created_at", "started_at", "finished_at"
    )
    for provider, operation, status, created_at, started_at, finished_at in rows.iterator():
        if started_at is None or finished_at is None:  # excluded by the filters
            continue
        wait = (started_at - created_at).total_seconds()
        run = (finished_at - started_at).total_seconds()
        for key in levels(provider, operation):
            waits[key].append(wait)
            if status == Status.COMPLETED:
                runs[key].append(run)
    return {key: (_of(waits[key]), _of(runs.get(key, []))) for key in waits}


def _of(values: list[float]) -> Percentiles | None:
    if not values:
        return None
    values.sort()
    p50, p95 = (percentile_cont(values, fraction) or 0.0 for fraction in PERCENTILES)
    return Percentiles(p50, p95)


def postgres_percentiles(started: QuerySet[Generation]) -> dict[Key, Durations]:
    """Per level from PostgreSQL's ``percentile_cont``, every level in one statement."""
    inner, params = started.values(
        "provider", "operation_type", "status", "created_at", "started_at", "finished_at"
    ).query.sql_with_params()
    fractions = ", ".join(str(f) for f in PERCENTILES)
    wait = "date_part('epoch', w.started_at - w.created_at)"  # double: faster than numeric
    run = "date_part('epoch', w.finished_at - w.started_at)"
    sql = (
        "SELECT w.provider, w.operation_type, GROUPING(w.provider), GROUPING(w.operation_type), "
        f"percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY {wait}), "
        f"percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY {run}) "
        f"FILTER (WHERE w.status = %s) FROM ({inner}) w GROUP BY GROUPING SETS "
        "((w.provider, w.operation_type), (w.provider), ())"
    )
    with connections[started.db].cursor() as cursor:
        cursor.execute(sql, [Status.COMPLETED.value, *params])
        rows = cursor.fetchall()
    result: dict[Key, Durations] = {}
    for provider, operation, no_provider, no_operation, waits, runs in rows:
        key = (ALL if no_provider else provider, ALL if no_operation else operation)
        result[key] = (_pair(waits), _pair(runs))
    return result


def _pair(values: list[float] | None) -> Percentiles | None:
    if not values or values[0] is None:
        return None
    return Percentiles(float(values[0]), float(values[1]))


def histogram_queries(finished: QuerySet[Generation], **group: Any) -> Iterator[tuple[str, Any]]:
    """``(WAIT | RUN, rows)``: finished rows counted per provider, operation, duration
    bucket (and ``group``), each row ``{"provider", "operation_type", "bucket", "n", ...}``."""
    started = finished.filter(started_at__isnull=False)
    for kind, rows, later, earlier in (
        (WAIT, started, "started_at", "created_at"),
        (RUN, started.filter(status=Status.COMPLETED), "finished_at", "started_at"),
    ):
        bucket = log_bucket(Seconds(later, earlier))
        yield (
            kind,
            rows.values("provider", "operation_type", bucket=bucket, **group).annotate(
                n=Count("*")
            ),
        )


def add(
    histograms: Histograms, provider: str, operation: str, kind: str, bucket: int, n: int
) -> None:
    for key in levels(provider, operation):
        counts = histograms.setdefault((key, kind), {})
        counts[bucket] = counts.get(bucket, 0) + n


def estimate(histograms: Histograms) -> dict[Key, Durations]:
    """Each level's percentiles from its histograms (marked ``estimated``)."""
    keys = {key for key, _kind in histograms}
    return {
        key: (_quantiles(histograms.get((key, WAIT))), _quantiles(histograms.get((key, RUN))))
        for key in keys
    }


def _quantiles(counts: dict[int, int] | None) -> Percentiles | None:
    """p50 and p95 as ``percentile_cont`` computes them (interpolated between the two
    nearest ranks), each rank's value placed inside its bucket by its position there."""
    total = sum(counts.values()) if counts else 0
    if not counts or not total:
        return None
    ordered = sorted(counts.items())

    def value(rank: int) -> float:
        seen = 0
        for bucket, number in ordered:
            if seen + number > rank:
                lower, _upper = bucket_bounds(bucket)
                return float(lower * RATIO ** ((rank - seen + 0.5) / number))
            seen += number
        return float(bucket_bounds(ordered[-1][0])[1])

    results = []
    for fraction in PERCENTILES:
        position = fraction * (total - 1)
        low = int(position)
        high = min(low + 1, total - 1)
        results.append(value(low) + (value(high) - value(low)) * (position - low))
    return Percentiles(results[0], results[1], estimated=True)

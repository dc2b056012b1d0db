"""The Statistics page's figures: per provider and operation, over a window.

For a window ending at ``now`` and the generations a ``Visibility`` allows:

- **created**: generations created in the window (``created_at``);
- **completed / failed / cancelled**: generations that reached that status in the window
  (``finished_at``);
- **success rate**: completed / (completed + failed) of those; None when neither;
- **queue wait** (p50, p95): ``started_at - created_at`` of the generations that finished
  in the window after starting;
- **run duration** (p50, p95): ``finished_at - started_at`` of those that completed;
- **error codes**: the failed ones by ``error_code``, most frequent first;
- **series**: completions and failures per provider in ``window.step`` buckets.

Every query reads one range of an index of migration 0005 (``finished_at`` or
``created_at``), scoped by the ``Visibility``: never the whole table. Percentiles are
PostgreSQL's ``percentile_cont`` there (one statement, ``GROUPING SETS``); elsewhere the
two durations of each finished row in the window are read and ``sql.percentile_cont``
interpolates the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connections
from django.db.models import Count, QuerySet

from genstatus.conf import genstatus_settings
from genstatus.models import DailyStat, Generation, Visibility
from genstatus.states import Status
from genstatus.stats import rollup
from genstatus.stats.sql import EpochBucket, percentile_cont
from genstatus.stats.windows import Window

FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
PERCENTILES = (0.5, 0.95)
TOP_ERROR_CODES = 5
ALL = ""  # the key of "every operation" (a provider's total) and "every provider"


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p95: float


@dataclass
class Figures:
    """One provider and operation (``operation == ALL``: the provider's total; both ALL:
    every provider)."""

    provider: str
    operation: str = ALL
    created: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    queue_wait: Percentiles | None = None
    run_duration: Percentiles | None = None
    error_codes: dict[str, int] = field(default_factory=dict)

    @property
    def success_rate(self) -> float | None:
        """completed / (completed + failed), between 0 and 1; None when neither."""
        ended = self.completed + self.failed
        return self.completed / ended if ended else None

    @property
    def top_error_codes(self) -> list[tuple[str, int]]:
        ranked = sorted(self.error_codes.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:TOP_ERROR_CODES]


@dataclass
class Series:
    """Completions and failures of one provider, a count per bucket of the window."""

    provider: str
    starts: list[datetime]
    completed: list[int]
    failed: list[int]


@dataclass
class Statistics:
    window: Window
    start: datetime
    end: datetime
    figures: dict[tuple[str, str], Figures]
    series: list[Series]

    @property
    def total(self) -> Figures:
        return self.figures.get((ALL, ALL)) or Figures(ALL)

    def providers(self) -> list[tuple[Figures, list[Figures]]]:
        """Each provider's total with its operations' figures, in settings order (then
        any other provider found in the rows, by name)."""
        order = {name: index for index, name in enumerate(genstatus_settings.PROVIDERS)}
        names = sorted(
            {p for p, o in self.figures if p != ALL},
            key=lambda name: (order.get(name, len(order)), name),
        )
        return [
            (
                self.figures[(name, ALL)],
                sorted(
                    (f for (p, o), f in self.figures.items() if p == name and o != ALL),
                    key=lambda f: f.operation,
                ),
            )
            for name in names
        ]


def statistics(visible: Visibility, window: Window, now: datetime) -> Statistics:
    """The figures of ``window`` (ending at ``now``) over what ``visible`` allows."""
    start = window.start(now)
    base = visible.filter(Generation.objects.order_by())
    counts = Counts()
    step = int(window.step.total_seconds())
    ranges = [(start, now)]
    days = rollup.closed_days(start, now) if visible.everybody and step == DAY else None
    if days is not None:  # whole days from the daily counts, the two ends from the rows
        ranges = [(start, days[0]), (days[1], now)]
        counts.add_days(rollup.counted(*days))
    for lo, hi in ranges:
        if lo < hi:
            counts.add_finished(base.filter(finished_at__gte=lo, finished_at__lt=hi), step)
            counts.add_created(base.filter(created_at__gte=lo, created_at__lt=hi))
    finished = base.filter(finished_at__gte=start, finished_at__lt=now)
    for key, (queue_wait, run_duration) in _percentiles(finished).items():
        counts.at(*key).queue_wait, counts.at(*key).run_duration = queue_wait, run_duration
    series = _series(counts.buckets, start, now, step)
    return Statistics(window, start, now, counts.figures, series)


DAY = 86400


def _levels(provider: str, operation: str) -> list[tuple[str, str]]:
    return [(provider, operation), (provider, ALL), (ALL, ALL)]


Buckets = dict[str, dict[int, list[int]]]  # provider → bucket → [completed, failed]


class Counts:
    """The figures being counted: per level (``_levels``), and the series' buckets."""

    def __init__(self) -> None:
        self.figures: dict[tuple[str, str], Figures] = {}
        self.buckets: Buckets = defaultdict(dict)

    def at(self, provider: str, operation: str) -> Figures:
        key = (provider, operation)
        if key not in self.figures:
            self.figures[key] = Figures(provider, operation)
        return self.figures[key]

    def finished(  # one grouped row's columns
        self, provider: str, operation: str, status: str, code: str, bucket: int, number: int
    ) -> None:
        if status not in FINISHED:
            return
        for key in _levels(provider, operation):
            figures = self.at(*key)
            setattr(figures, status, getattr(figures, status) + number)
            if status == Status.FAILED:
                figures.error_codes[code] = figures.error_codes.get(code, 0) + number
        if status != Status.CANCELLED:
            pair = self.buckets[provider].setdefault(bucket, [0, 0])
            pair[status == Status.FAILED] += number

    def created(self, provider: str, operation: str, number: int) -> None:
        for key in _levels(provider, operation):
            self.at(*key).created += number

    def add_finished(self, finished: QuerySet[Generation], step: int) -> None:
        """One grouped read of finished rows (an index-only range of migration 0005)."""
        rows = finished.values(
            "provider",
            "operation_type",
            "status",
            "error_code",
            bucket=EpochBucket("finished_at", step),
        ).annotate(n=Count("*"))
        for row in rows:
            self.finished(
                row["provider"],
                row["operation_type"],
                row["status"],
                row["error_code"] or "",
                row["bucket"],
                row["n"],
            )

    def add_created(self, created: QuerySet[Generation]) -> None:
        for row in created.values("provider", "operation_type").annotate(n=Count("*")):
            self.created(row["provider"], row["operation_type"], row["n"])

    def add_days(self, days: list[DailyStat]) -> None:
        for stat in days:
            if stat.kind == rollup.CREATED:
                self.created(stat.provider, stat.operation_type, stat.count)
            else:
                bucket = rollup.day_number(stat.day)
                self.finished(
                    stat.provider,
                    stat.operation_type,
                    stat.status,
                    stat.error_code,
                    bucket,
                    stat.count,
                )


def _series(buckets: Buckets, start: datetime, end: datetime, step: int) -> list[Series]:
    first, last = int(start.timestamp()) // step, (int(end.timestamp()) - 1) // step
    numbers = range(first, last + 1)
    starts = [datetime.fromtimestamp(number * step, UTC) for number in numbers]
    order = {name: index for index, name in enumerate(genstatus_settings.PROVIDERS)}
    return [
        Series(
            provider,
            starts,
            [buckets[provider].get(number, [0, 0])[0] for number in numbers],
            [buckets[provider].get(number, [0, 0])[1] for number in numbers],
        )
        for provider in sorted(buckets, key=lambda name: (order.get(name, len(order)), name))
    ]


Durations = tuple[Percentiles | None, Percentiles | None]  # queue wait, run duration


def _percentiles(finished: QuerySet[Generation]) -> dict[tuple[str, str], Durations]:
    started = finished.filter(started_at__isnull=False)
    if connections[finished.db].vendor == "postgresql":
        return postgres_percentiles(started)
    return portable_percentiles(started)


def portable_percentiles(started: QuerySet[Generation]) -> dict[tuple[str, str], Durations]:
    """Queue wait and run duration per level, interpolated in Python (SQLite, MariaDB):
    reads the four timestamps of each finished row of the window."""
    waits: dict[tuple[str, str], list[float]] = defaultdict(list)
    runs: dict[tuple[str, str], list[float]] = defaultdict(list)
    rows = started.values_list(
        "provider", "operation_type", "status", "created_at", "started_at", "finished_at"
    )
    for provider, operation, status, created_at, started_at, finished_at in rows.iterator():
        if started_at is None or finished_at is None:  # excluded by the filters
            continue
        wait = (started_at - created_at).total_seconds()
        run = (finished_at - started_at).total_seconds()
        for key in _levels(provider, operation):
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


def postgres_percentiles(started: QuerySet[Generation]) -> dict[tuple[str, str], Durations]:
    """Queue wait and run duration per level from PostgreSQL's ``percentile_cont``, every
    level (operation, provider, all) in one statement (``GROUPING SETS``)."""
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
    result: dict[tuple[str, str], Durations] = {}
    for provider, operation, no_provider, no_operation, waits, runs in rows:
        key = (ALL if no_provider else provider, ALL if no_operation else operation)
        result[key] = (_pair(waits), _pair(runs))
    return result


def _pair(values: list[float] | None) -> Percentiles | None:
    if not values or values[0] is None:
        return None
    return Percentiles(float(values[0]), float(values[1]))

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
exact (``percentiles.exact``: PostgreSQL's ``percentile_cont``, the same interpolation in
Python elsewhere). For everyone's generations over a window of daily buckets (30 days),
the whole days come from the daily counts (``rollup``) and only the two partial days
from the table; its percentiles are estimated from duration histograms
(``percentiles.estimate``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, QuerySet

from genstatus.conf import genstatus_settings
from genstatus.models import Generation, Visibility
from genstatus.states import Status
from genstatus.stats import percentiles, rollup
from genstatus.stats.percentiles import ALL, Percentiles, levels
from genstatus.stats.sql import EpochBucket
from genstatus.stats.windows import Window

FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
TOP_ERROR_CODES = 5
DAY = 86400  # seconds: a window of daily buckets may read the daily counts


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
    days = rollup.closed_days(start, now) if visible.everybody and step == DAY else None
    if days is None:
        counts.add_rows(base, start, now, step)
        durations = percentiles.exact(base.filter(finished_at__gte=start, finished_at__lt=now))
    else:  # whole days from the daily counts, the two ends from the rows
        histograms: percentiles.Histograms = {}
        counts.add_days(*rollup.counted(*days))
        for kind, provider, operation, bucket, number in rollup.histograms(*days):
            percentiles.add(histograms, provider, operation, kind, bucket, number)
        for lo, hi in ((start, days[0]), (days[1], now)):
            counts.add_rows(base, lo, hi, step, histograms)
        durations = percentiles.estimate(histograms)
    for key, (queue_wait, run_duration) in durations.items():
        counts.at(*key).queue_wait, counts.at(*key).run_duration = queue_wait, run_duration
    series = _series(counts.buckets, start, now, step)
    return Statistics(window, start, now, counts.figures, series)


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
        for key in levels(provider, operation):
            figures = self.at(*key)
            setattr(figures, status, getattr(figures, status) + number)
            if status == Status.FAILED:
                figures.error_codes[code] = figures.error_codes.get(code, 0) + number
        if status != Status.CANCELLED:
            pair = self.buckets[provider].setdefault(bucket, [0, 0])
            pair[status == Status.FAILED] += number

    def created(self, provider: str, operation: str, number: int) -> None:
        for key in levels(provider, operation):
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

    def add_rows(
        self,
        base: QuerySet[Generation],
        lo: datetime,
        hi: datetime,
        step: int,
        histograms: percentiles.Histograms | None = None,
    ) -> None:
        """The rows of ``[lo, hi)``: finished and created ones, and with ``histograms``
        their durations there."""
        if lo >= hi:
            return
        finished = base.filter(finished_at__gte=lo, finished_at__lt=hi)
        self.add_finished(finished, step)
        self.add_created(base.filter(created_at__gte=lo, created_at__lt=hi))
        if histograms is None:
            return
        for kind, rows in percentiles.histogram_queries(finished):
            for row in rows:
                percentiles.add(
                    histograms,
                    row["provider"],
                    row["operation_type"],
                    kind,
                    row["bucket"],
                    row["n"],
                )

    def add_created(self, created: QuerySet[Generation]) -> None:
        for row in created.values("provider", "operation_type").annotate(n=Count("*")):
            self.created(row["provider"], row["operation_type"], row["n"])

    def add_days(self, created: Any, finished: Any, series: Any) -> None:
        """The daily counts (``rollup.counted``): figures summed over the days, the
        series per day."""
        for provider, operation, number in created:
            self.created(provider, operation, number)
        for provider, operation, status, code, number in finished:
            if status in FINISHED:
                for key in levels(provider, operation):
                    figures = self.at(*key)
                    setattr(figures, status, getattr(figures, status) + number)
                    if status == Status.FAILED:
                        figures.error_codes[code] = figures.error_codes.get(code, 0) + number
        for provider, status, day, number in series:
            pair = self.buckets[provider].setdefault(rollup.day_number(day), [0, 0])
            pair[status == Status.FAILED] += number


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

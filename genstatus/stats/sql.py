"""What the figures need from SQL on every database, and the portable percentile.

- ``EpochBucket(field, step)``: the number of the ``step``-second bucket a datetime falls
  in (seconds since the epoch, UTC, divided by ``step``, rounded down), as an integer.
- ``Seconds(later, earlier)``: the seconds between two datetimes, a double;
- ``log_bucket(seconds)``: the duration histogram's bucket (``RATIO`` wide, log scale) the
  30-day window's percentiles are estimated from (``percentiles.estimate``);
- ``percentile_cont(values, fraction)``: PostgreSQL's ``percentile_cont`` (linear
  interpolation between the two nearest ranks) in Python, for SQLite and MariaDB, which
  have no such aggregate. On PostgreSQL the database computes it
  (``figures.postgres_percentiles``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db.models import BigIntegerField, FloatField, Func, IntegerField, Value
from django.db.models.functions import Cast, Floor, Greatest, Ln


class EpochBucket(Func):
    """``floor(epoch seconds of expression / step)``, an integer, on every database."""

    output_field = BigIntegerField()

    def __init__(self, expression: Any, step: int) -> None:
        super().__init__(expression)
        self.step = int(step)

    def _bucket(self, compiler: Any, epoch: str) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return epoch.format(sql) % {"step": self.step}, params

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        # PostgreSQL (and any other database)
        # date_part is a double precision: much cheaper than EXTRACT's numeric
        return self._bucket(compiler, "FLOOR(date_part('epoch', {}) / %(step)d)::bigint")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._bucket(compiler, "(CAST(strftime('%%%%s', {}) AS INTEGER) / %(step)d)")

    def as_mysql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # naive arithmetic on the stored (UTC) value: no session time zone involved
        return self._bucket(
            compiler, "(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', {}) DIV %(step)d)"
        )


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of sorted ``values`` as PostgreSQL's ``percentile_cont``
    computes it; None for no values."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


class Seconds(Func):
    """Seconds from ``earlier`` to ``later`` (two datetimes), a double, on every database."""

    output_field = FloatField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def _seconds(self, compiler: Any, template: str) -> Any:
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return template.format(later=later, earlier=earlier), [*later_params, *earlier_params]

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        return self._seconds(compiler, "date_part('epoch', {later} - {earlier})")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._seconds(compiler, "((julianday({later}) - julianday({earlier})) * 86400.0)")

    def as_mysql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._seconds(compiler, "(TIMESTAMPDIFF(MICROSECOND, {earlier}, {later}) / 1e6)")


# Duration histograms (the 30-day window's percentiles): bucket i holds the durations in
# [RATIO**i, RATIO**(i+1)) seconds; RATIO = 2 ** (1 / 4), about 19 % wide.
PER_DOUBLING = 4
RATIO = 2 ** (1 / PER_DOUBLING)
SHORTEST = 0.001  # seconds: anything shorter (or negative, from clock skew) counts as this


def log_bucket(seconds: Any) -> Any:
    """The histogram bucket of an expression of seconds, as an integer expression."""
    scale = Value(PER_DOUBLING / math.log(2), output_field=FloatField())
    shortest = Value(SHORTEST, output_field=FloatField())
    return Cast(Floor(Ln(Greatest(seconds, shortest)) * scale), IntegerField())


def bucket_bounds(index: int) -> tuple[float, float]:
    return RATIO**index, RATIO ** (index + 1)

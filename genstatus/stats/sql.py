"""What the figures need from SQL on every database, and the portable percentile.

- ``EpochBucket(field, step)``: the number of the ``step``-second bucket a datetime falls
  in (seconds since the epoch, UTC, divided by ``step``, rounded down), as an integer.
- ``percentile_cont(values, fraction)``: PostgreSQL's ``percentile_cont`` (linear
  interpolation between the two nearest ranks) in Python, for SQLite and MariaDB, which
  have no such aggregate. On PostgreSQL the database computes it
  (``figures.postgres_percentiles``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db.models import BigIntegerField, Func


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

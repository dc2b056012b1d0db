"""Health of the job pipeline: what the panel's banner and the metrics warn about.

- **stuck**: processing generations whose heartbeat (or, without one, whose start) is
  older than ``GENSTATUS_STALE_AFTER``: the reaper should have failed them;
- **waiting**: pending or queued generations that entered that state longer ago than
  ``GENSTATUS_QUEUED_STALE_AFTER`` (skipped when that setting is None);
- **reaper**: when ``genstatus_reap`` last ran (``maintenance.last_run``); silent when
  that is longer ago than ``GENSTATUS_REAPER_SILENT_AFTER``.

Counts are capped at ``CAP`` (a ``LIMIT``), and read the small active set through the
partial indexes of migrations 0002 and the heartbeat index: cheap on any table size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.timesince import timesince

from genstatus.conf import genstatus_settings
from genstatus.maintenance import last_run
from genstatus.models import Generation, Visibility
from genstatus.states import Status

CAP = 1000


@dataclass(frozen=True)
class Health:
    stuck: int  # capped at CAP
    waiting: int  # capped at CAP
    reaper_ran_at: datetime | None
    now: datetime

    @property
    def reaper_silent(self) -> bool:
        """The reaper ran once, then nothing for longer than GENSTATUS_REAPER_SILENT_AFTER."""
        ran = self.reaper_ran_at
        return ran is not None and self.now - ran > genstatus_settings.REAPER_SILENT_AFTER

    @property
    def reaper_age_seconds(self) -> float | None:
        ran = self.reaper_ran_at
        return None if ran is None else max((self.now - ran).total_seconds(), 0.0)

    @property
    def problems(self) -> bool:
        """Anything for the banner: stuck or waiting jobs, or a reaper gone silent."""
        return bool(self.stuck or self.waiting or self.reaper_silent)

    @property
    def stuck_text(self) -> str:
        return _count_text(self.stuck)

    @property
    def waiting_text(self) -> str:
        return _count_text(self.waiting)

    @property
    def stale_after(self) -> str:
        """GENSTATUS_STALE_AFTER in words ("10 minutes")."""
        return timesince(self.now - genstatus_settings.STALE_AFTER, self.now)

    @property
    def queued_after(self) -> str:
        after = genstatus_settings.QUEUED_STALE_AFTER
        return "" if after is None else timesince(self.now - after, self.now)

    @property
    def reaper_ago(self) -> str:
        """How long ago the reaper last ran, in words; "" if it never ran."""
        ran = self.reaper_ran_at
        return "" if ran is None else timesince(min(ran, self.now), self.now)


def _count_text(count: int) -> str:
    if count > CAP:
        return f"{formats.number_format(CAP, force_grouping=True)}+"
    return formats.number_format(count, force_grouping=True)


def stuck_filter(now: datetime) -> Q:
    """Processing with a heartbeat (or start) older than GENSTATUS_STALE_AFTER: the
    reaper's own ``stale`` rule."""
    cutoff = now - genstatus_settings.STALE_AFTER
    return Q(status=Status.PROCESSING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def waiting_filter(now: datetime) -> Q | None:
    """Pending or queued since longer than GENSTATUS_QUEUED_STALE_AFTER; None when off."""
    queued_after = genstatus_settings.QUEUED_STALE_AFTER
    if queued_after is None:
        return None
    return Q(status__in=[Status.PENDING, Status.QUEUED], updated_at__lt=now - queued_after)


def capped_count(queryset: QuerySet[Generation]) -> int:
    """How many, up to ``CAP + 1``: the ids of at most that many rows, read from the index."""
    return len(queryset.order_by().values_list("pk", flat=True)[: CAP + 1])


def health(visible: Visibility, now: datetime) -> Health:
    """Stuck and waiting generations ``visible`` allows, and the reaper's last run."""
    base = visible.filter(Generation.objects.all())
    waiting = waiting_filter(now)
    run = last_run()
    return Health(
        stuck=capped_count(base.filter(stuck_filter(now))),
        waiting=0 if waiting is None else capped_count(base.filter(waiting)),
        reaper_ran_at=None if run is None else run.ran_at,
        now=now,
    )

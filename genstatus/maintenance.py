"""Keeping the table healthy: the stale-job reaper and pruning of old terminal rows.

Both take ``now=`` (a controllable clock for tests and replays) and are also available as
management commands (``genstatus_reap``, ``genstatus_prune``) and tasks
(``genstatus.tasks.reap``, ``genstatus.tasks.prune``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from genstatus import lifecycle
from genstatus.conf import genstatus_settings
from genstatus.exceptions import InvalidTransition
from genstatus.models import Generation, MaintenanceRun
from genstatus.states import Status

logger = logging.getLogger("genstatus")

STALE = "stale"  # error code of a processing generation failed by the reaper
LOST = "lost"  # error code of a pending or queued generation failed by the reaper
REAP = "reap"  # the reaper's MaintenanceRun row
_REAP_CHUNK = 500


@dataclass
class ReapResult:
    stale: list[int] = field(default_factory=list)  # failed with code "stale"
    cancelled: list[int] = field(default_factory=list)  # cancel requests past the grace
    lost: list[int] = field(default_factory=list)  # failed with code "lost"
    dry_run: bool = False  # the lists name what a real run would change

    def as_dict(self) -> dict[str, list[int]]:
        return {"stale": self.stale, "cancelled": self.cancelled, "lost": self.lost}


@dataclass
class PruneResult:
    completed: int = 0
    failed: int = 0  # failed and cancelled
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.completed + self.failed

    def as_dict(self) -> dict[str, int]:
        return {"completed": self.completed, "failed": self.failed}


def reap(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = _REAP_CHUNK
) -> ReapResult:
    """Finish generations that will never finish by themselves.

    - a cancel request older than ``GENSTATUS_CANCEL_GRACE`` → cancelled;
    - a heartbeat older than ``GENSTATUS_STALE_AFTER`` → failed with code ``stale``;
    - pending or queued for longer than ``GENSTATUS_QUEUED_STALE_AFTER`` (counted from
      ``updated_at``, which every transition sets: when it entered that state) → failed
      with code ``lost`` (its task was never run, e.g. dropped by a worker restart).

    Each row changes through the lifecycle's conditional UPDATE, which re-checks the
    condition, so a completion, a heartbeat or a worker claiming a lost job that arrives
    while the reaper runs wins and the row is skipped. Rows are read ``batch_size`` at a
    time; ``dry_run`` only lists what a real run would change.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}.")
    now = now or timezone.now()
    result = ReapResult(dry_run=dry_run)
    rows = partial(_chunked, batch_size=batch_size)
    _reap_overdue_cancels(result, rows, now)
    _reap_stale(result, rows, now)
    _reap_lost(result, rows, now)
    if (result.stale or result.cancelled or result.lost) and not dry_run:
        logger.info(
            "genstatus: reaped %d stale, %d lost and %d overdue cancels",
            len(result.stale),
            len(result.lost),
            len(result.cancelled),
        )
    if not dry_run:
        record_run(REAP, now, len(result.stale) + len(result.lost) + len(result.cancelled))
    return result


def record_run(task: str, ran_at: datetime, changed: int = 0) -> None:
    """Note that ``task`` ran at ``ran_at`` (one row per task): the health banner and the
    metrics tell a stopped reaper from a quiet one with it."""
    MaintenanceRun.objects.update_or_create(
        task=task, defaults={"ran_at": ran_at, "changed": changed}
    )


def last_run(task: str = REAP) -> MaintenanceRun | None:
    """The last recorded run of ``task``, or None if it never ran."""
    return MaintenanceRun.objects.filter(task=task).first()


Rows = Callable[[QuerySet[Generation]], Iterator[Generation]]


def _reap_overdue_cancels(result: ReapResult, rows: Rows, now: datetime) -> None:
    grace = genstatus_settings.CANCEL_GRACE
    overdue = Generation.objects.filter(
        status=Status.PROCESSING, cancel_requested_at__lt=now - grace
    )
    for generation in rows(overdue):
        message = f"Cancelled: the provider did not confirm within {_human(grace)} of the request."
        if result.dry_run or _apply(partial(lifecycle.mark_cancelled, generation, message=message)):
            result.cancelled.append(generation.pk)


def _reap_stale(result: ReapResult, rows: Rows, now: datetime) -> None:
    stale_after = genstatus_settings.STALE_AFTER
    cutoff = now - stale_after
    still_stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    stale = Generation.objects.filter(status=Status.PROCESSING).filter(still_stale)
    if result.dry_run:  # a real run has cancelled these first
        stale = stale.exclude(pk__in=result.cancelled)
    for generation in rows(stale):
        message = (
            f"No heartbeat for more than {_human(stale_after)}: the worker running this "
            "job stopped."
        )
        # the UPDATE re-checks staleness: a heartbeat that lands after the read wins
        fail = partial(lifecycle.mark_failed, generation, message, code=STALE, where=still_stale)
        if result.dry_run or _apply(fail):
            result.stale.append(generation.pk)


def _reap_lost(result: ReapResult, rows: Rows, now: datetime) -> None:
    queued_after = genstatus_settings.QUEUED_STALE_AFTER
    if queued_after is None:
        return
    # A job a provider accepted (it has a provider_job_id) may wait in that provider's
    # queue as long as it likes: only jobs never handed over count as lost.
    still_lost = Q(
        status__in=[Status.PENDING, Status.QUEUED],
        updated_at__lt=now - queued_after,
        provider_job_id="",
    )
    for generation in rows(Generation.objects.filter(still_lost)):
        message = (
            f"Still {generation.status} after more than {_human(queued_after)}: the job "
            "was lost before it started (e.g. a worker restart dropped its task)."
        )
        # the UPDATE re-checks: a worker that claims or queues it after the read wins
        fail = partial(lifecycle.mark_failed, generation, message, code=LOST, where=still_lost)
        if result.dry_run or _apply(fail):
            result.lost.append(generation.pk)


def _chunked(queryset: QuerySet[Generation], batch_size: int = _REAP_CHUNK) -> Iterator[Generation]:
    """The rows in pk order, read ``batch_size`` at a time; each chunk is read before any
    of its rows is changed."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:batch_size])
        yield from chunk
        if len(chunk) < batch_size:
            return
        last = chunk[-1].pk


def _apply(change: Callable[[], object]) -> bool:
    try:
        change()
    except InvalidTransition:  # it finished meanwhile: the first arrival wins
        return False
    return True


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def prunable(
    status_q: Q, older_than: timedelta, *, now: datetime, keep_newest_per_asset: bool = True
) -> Q:
    """The filter for rows ``prune`` may delete (exposed for custom clean-ups)."""
    cutoff = now - older_than
    condition = status_q & (
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, updated_at__lt=cutoff)
    )
    if keep_newest_per_asset:
        # The newest generation of an asset decides its badge; pruning never changes one.
        newer = Generation.objects.filter(asset=OuterRef("asset")).filter(
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
        )
        condition &= Q(asset__isnull=True) | Q(Exists(newer))
    return condition


def prune(
    *,
    completed_after: timedelta | bool | None = True,
    failed_after: timedelta | bool | None = True,
    batch_size: int = 1000,
    dry_run: bool = False,
    now: datetime | None = None,
    keep_newest_per_asset: bool = True,
) -> PruneResult:
    """Delete terminal generations (and their events) older than the given ages.

    ``completed_after`` applies to completed rows, ``failed_after`` to failed and
    cancelled ones; ``True`` (the default) takes ``GENSTATUS_PRUNE_COMPLETED`` /
    ``GENSTATUS_PRUNE_FAILED``, ``None`` keeps that kind. Age counts from ``finished_at``.
    Each asset's newest generation is kept, so badges never change. Deletes in batches of
    ``batch_size``, one transaction each; ``dry_run`` only counts.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}.")
    now = now or timezone.now()
    if completed_after is True:
        completed_after = genstatus_settings.PRUNE_COMPLETED
    if failed_after is True:
        failed_after = genstatus_settings.PRUNE_FAILED
    result = PruneResult(dry_run=dry_run)
    kinds: list[tuple[str, Q, timedelta | bool | None]] = [
        ("completed", Q(status=Status.COMPLETED), completed_after),
        ("failed", Q(status__in=[Status.FAILED, Status.CANCELLED]), failed_after),
    ]
    for kind, status_q, age in kinds:
        if age is None or age is False:
            continue
        assert isinstance(age, timedelta)
        condition = prunable(status_q, age, now=now, keep_newest_per_asset=keep_newest_per_asset)
        if dry_run:
            count = Generation.objects.filter(condition).count()
        else:
            count = _delete_in_batches(condition, batch_size)
        setattr(result, kind, count)
    return result


def _delete_in_batches(condition: Q, batch_size: int) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                Generation.objects.filter(condition)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return deleted
            Generation.objects.filter(pk__in=ids).delete()
        deleted += len(ids)

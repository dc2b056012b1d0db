"""The host-facing status calls built on ``transition()``: mark_*, progress, heartbeat."""

from __future__ import annotations

import copy
from typing import Any, NoReturn

from django.db.models import F, Q
from django.utils import timezone

from genstatus import signals
from genstatus.exceptions import InvalidTransition
from genstatus.lifecycle.core import (
    Actor,
    current_status,
    send_on_commit,
    transition,
    update_current,
)
from genstatus.models import Generation
from genstatus.states import Status

ERROR_CODE_MAX_LENGTH = 100


def mark_queued(
    generation: Generation, *, provider_job_id: str | None = None, actor: Actor = None
) -> Generation:
    fields = {} if provider_job_id is None else {"provider_job_id": provider_job_id}
    return transition(generation, Status.QUEUED, actor=actor, fields=fields)


def mark_processing(
    generation: Generation, *, provider_job_id: str | None = None, actor: Actor = None
) -> Generation:
    fields = {} if provider_job_id is None else {"provider_job_id": provider_job_id}
    return transition(generation, Status.PROCESSING, actor=actor, fields=fields)


def mark_completed(
    generation: Generation, *, asset: Any = None, actor: Actor = None, message: str = ""
) -> Generation:
    """Completed, optionally with the output asset the generation produced."""
    fields: dict[str, Any] = {"progress": 100}
    if asset is not None:
        fields["asset"] = asset
    return transition(generation, Status.COMPLETED, actor=actor, message=message, fields=fields)


def mark_failed(
    generation: Generation,
    message: str,
    *,
    code: str = "",
    actor: Actor = None,
    where: Q | None = None,
) -> Generation:
    """Failed with a human-readable ``message`` and a machine ``code`` (≤ 100 chars);
    ``where``: see ``transition``."""
    if len(code) > ERROR_CODE_MAX_LENGTH:
        raise ValueError(f"error code is {len(code)} characters; the limit is 100.")
    return transition(
        generation,
        Status.FAILED,
        actor=actor,
        message=message,
        fields={"error_message": message, "error_code": code},
        where=where,
    )


def mark_cancelled(generation: Generation, *, actor: Actor = None, message: str = "") -> Generation:
    """Cancelled now: a queued/pending job, or a processing one whose provider confirmed."""
    return transition(generation, Status.CANCELLED, actor=actor, message=message)


def report_progress(generation: Generation, progress: int) -> Generation:
    """Record progress (0-100) of a processing generation; bumps the version, counts as a
    heartbeat, sends ``generation_progressed`` after commit."""
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValueError(f"progress must be an integer from 0 to 100, not {progress!r}.")
    now = timezone.now()
    values = {"progress": progress, "heartbeat_at": now, "updated_at": now}
    known = generation.version
    # One UPDATE, atomic by itself: no transaction of its own (two round trips fewer per
    # report); inside the caller's transaction the signal still waits for its commit.
    # While the instance's version is the row's, nothing else changed the row: the values
    # are set on the instance instead of reading it back.
    if update_current(generation, values, Status.PROCESSING, known):
        pass
    elif Generation.objects.filter(pk=generation.pk, status=Status.PROCESSING).update(
        **values, version=F("version") + 1
    ):
        generation.refresh_from_db()
    else:
        _refuse_progress(generation, "report progress for")
    send_on_commit(
        signals.generation_progressed, generation=copy.copy(generation), progress=progress
    )
    return generation


def heartbeat(generation: Generation) -> Generation:
    """The worker is alive. Not a visible change: no version bump, no signal."""
    now = timezone.now()
    if not Generation.objects.filter(pk=generation.pk, status=Status.PROCESSING).update(
        heartbeat_at=now
    ):
        _refuse_progress(generation, "record a heartbeat for")
    generation.heartbeat_at = now
    return generation


def _refuse_progress(generation: Generation, what: str) -> NoReturn:
    current = current_status(generation)
    raise InvalidTransition(
        f"Generation {generation.pk} is {current}; cannot {what} it (only while processing).",
        generation_id=generation.pk,
        status=current,
        requested="progress",
    )

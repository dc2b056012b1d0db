"""Every change to a generation goes through this module.

``transition()`` is the one entry point for status changes: a conditional UPDATE (so two
concurrent writers cannot both win, on PostgreSQL and on SQLite), an event row, a version
bump, and ``generation_status_changed`` sent after the transaction commits. The other
functions are the host-facing calls built on it.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from genstatus import signals
from genstatus.conf import genstatus_settings
from genstatus.exceptions import ConditionNotMet, InvalidTransition, RetryLimitReached
from genstatus.models import Generation, GenerationEvent
from genstatus.states import RETRYABLE, TERMINAL, Status, sources_of

# A user (or AnonymousUser/None, stored as None) who caused a change.
Actor = Any

logger = logging.getLogger("genstatus")

ERROR_CODE_MAX_LENGTH = 100
_CAS_ATTEMPTS = 3  # a row can only move forward a few times; more means a livelock bug


def _actor_or_none(actor: Actor) -> Any:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _send_on_commit(signal: Any, **kwargs: Any) -> None:
    def send() -> None:
        for receiver, response in signal.send_robust(sender=Generation, **kwargs):
            if isinstance(response, Exception):
                logger.error(
                    "genstatus: receiver %r of %s failed", receiver, signal, exc_info=response
                )

    transaction.on_commit(send, robust=True)


def _refuse(generation: Generation, current: str, requested: str, allowed: Iterable[str]) -> None:
    allowed_text = ", ".join(sorted(allowed)) or "nowhere"
    if current in TERMINAL:
        why = f"{current} is terminal and never changes"
    else:
        why = f"{requested} is reached only from {allowed_text}"
    raise InvalidTransition(
        f"Generation {generation.pk} is {current}; cannot mark it {requested} ({why}).",
        generation_id=generation.pk,
        status=current,
        requested=requested,
    )


def _current_status(generation: Generation) -> str:
    status = Generation.objects.filter(pk=generation.pk).values_list("status", flat=True).first()
    if status is None:
        raise Generation.DoesNotExist(f"Generation {generation.pk} does not exist.")
    return status


def transition(
    generation: Generation,
    to: str,
    *,
    actor: Actor = None,
    message: str = "",
    fields: Mapping[str, Any] | None = None,
    where: Q | None = None,
) -> Generation:
    """Move ``generation`` to status ``to``, or raise ``InvalidTransition``.

    ``fields`` are extra column values written in the same UPDATE (error_message, ...).
    ``where`` is an extra condition checked by that same UPDATE, e.g. the reaper's "the
    heartbeat is still old": a heartbeat that lands first makes it fail with
    ``ConditionNotMet`` instead of failing a live job.
    The instance is refreshed from the database; the signal goes out after commit.
    """
    target = Status(to)
    allowed = sources_of(target)
    now = timezone.now()
    values: dict[str, Any] = {
        "status": target,
        "version": F("version") + 1,
        "updated_at": now,
        **(fields or {}),
    }
    if target == Status.PROCESSING:
        values.setdefault("started_at", now)
        values.setdefault("heartbeat_at", now)
    if target in TERMINAL:
        values.setdefault("finished_at", now)

    with transaction.atomic():
        expected = generation.status
        for _ in range(_CAS_ATTEMPTS):
            if expected in allowed:
                rows = Generation.objects.filter(pk=generation.pk, status=expected)
                if (rows if where is None else rows.filter(where)).update(**values):
                    break
            current = _current_status(generation)
            if current not in allowed:
                _refuse(generation, current, target, allowed)
            if where is not None and current == expected:
                raise ConditionNotMet(
                    f"Generation {generation.pk} is {current} but no longer meets the "
                    f"condition for {target}; left unchanged.",
                    generation_id=generation.pk,
                    status=current,
                    requested=str(target),
                )
            expected = current
        else:  # pragma: no cover - needs a row changing state faster than we can read it
            _refuse(generation, expected, target, allowed)
        generation.refresh_from_db()
        actor = _actor_or_none(actor)
        GenerationEvent.objects.create(
            generation=generation,
            kind=GenerationEvent.Kind.TRANSITION,
            from_status=expected,
            to_status=target,
            actor=actor,
            message=message,
            created_at=now,
        )
        _send_on_commit(
            signals.generation_status_changed,
            generation=copy.copy(generation),
            old=expected,
            new=str(target),
            actor=actor,
            kind=GenerationEvent.Kind.TRANSITION.value,
        )
    return generation


def create_generation(
    *,
    provider: str,
    operation_type: str,
    prompt: str = "",
    params: Mapping[str, Any] | None = None,
    asset: Any = None,
    owner: Actor = None,
    source_assets: Iterable[Any] = (),
    provider_job_id: str = "",
    actor: Actor = None,
    retry_of: Generation | None = None,
) -> Generation:
    """Create a pending generation with its "created" event; ``generation_created`` on commit."""
    if not provider:
        raise ValueError("A generation needs a provider name.")
    if not operation_type:
        raise ValueError("A generation needs an operation_type.")
    now = timezone.now()
    with transaction.atomic():
        generation = Generation.objects.create(
            provider=provider,
            operation_type=operation_type,
            prompt=prompt,
            params=dict(params or {}),
            asset=asset,
            owner=_actor_or_none(owner),
            provider_job_id=provider_job_id,
            retry_of=retry_of,
            retry_count=(retry_of.retry_count + 1) if retry_of else 0,
            created_at=now,
            updated_at=now,
        )
        sources = list(source_assets)
        if sources:
            generation.source_assets.set(sources)
        actor = _actor_or_none(actor if actor is not None else owner)
        GenerationEvent.objects.create(
            generation=generation,
            kind=GenerationEvent.Kind.CREATED,
            from_status="",
            to_status=Status.PENDING,
            actor=actor,
            created_at=now,
            message=f"Retry of #{retry_of.pk}" if retry_of else "",
        )
        _send_on_commit(signals.generation_created, generation=copy.copy(generation), actor=actor)
    return generation


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
    with transaction.atomic():
        updated = Generation.objects.filter(pk=generation.pk, status=Status.PROCESSING).update(
            progress=progress, heartbeat_at=now, updated_at=now, version=F("version") + 1
        )
        if not updated:
            _refuse_progress(generation, "report progress for")
        generation.refresh_from_db()
        _send_on_commit(
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


def _refuse_progress(generation: Generation, what: str) -> None:
    current = _current_status(generation)
    raise InvalidTransition(
        f"Generation {generation.pk} is {current}; cannot {what} it (only while processing).",
        generation_id=generation.pk,
        status=current,
        requested="progress",
    )


def request_cancel(generation: Generation, *, actor: Actor = None) -> Generation:
    """Cancel: pending or queued becomes cancelled at once; processing gets a cancel request.

    After commit the provider's ``cancel()`` is tried: True (confirmed) cancels the row; else
    ``run()``'s next report stops it, or the reaper cancels it after
    ``GENSTATUS_CANCEL_GRACE``. A completion that arrives first wins. A terminal generation
    is refused with ``InvalidTransition``."""
    current = _current_status(generation)
    if current in (Status.PENDING, Status.QUEUED):
        generation.status = current
        try:
            with transaction.atomic():
                # only while it has not started: a worker that claims it first wins, and
                # the cancel becomes a request to the provider below
                transition(
                    generation,
                    Status.CANCELLED,
                    actor=actor,
                    message="Cancelled before it started.",
                    where=Q(status__in=[Status.PENDING, Status.QUEUED]),
                )
                if current == Status.QUEUED:  # best effort: free the provider's queue slot
                    transaction.on_commit(lambda: _provider_cancel(generation), robust=True)
            return generation
        except InvalidTransition:  # it moved on meanwhile; decide again from its new state
            current = _current_status(generation)
    if current != Status.PROCESSING:
        raise InvalidTransition(
            f"Generation {generation.pk} is {current}; only pending, queued or processing "
            "generations can be cancelled.",
            generation_id=generation.pk,
            status=current,
            requested="cancel",
        )
    now = timezone.now()
    with transaction.atomic():
        updated = Generation.objects.filter(
            pk=generation.pk, status=Status.PROCESSING, cancel_requested_at__isnull=True
        ).update(cancel_requested_at=now, updated_at=now, version=F("version") + 1)
        generation.refresh_from_db()
        if not updated:
            if generation.status == Status.PROCESSING:
                return generation  # already requested: idempotent
            raise InvalidTransition(
                f"Generation {generation.pk} is {generation.status}; it finished before the "
                "cancel request arrived.",
                generation_id=generation.pk,
                status=generation.status,
                requested="cancel",
            )
        actor = _actor_or_none(actor)
        GenerationEvent.objects.create(
            generation=generation,
            kind=GenerationEvent.Kind.CANCEL_REQUESTED,
            from_status=Status.PROCESSING,
            to_status=Status.PROCESSING,
            actor=actor,
            message="Cancel requested; waiting for the provider.",
            created_at=now,
        )
        _send_on_commit(
            signals.generation_cancel_requested, generation=copy.copy(generation), actor=actor
        )
        transaction.on_commit(lambda: _confirm_cancel(generation, actor), robust=True)
    return generation


def _provider_cancel(generation: Generation) -> bool:
    from genstatus import providers  # providers call back into this module

    return providers.cancel(generation)


def _confirm_cancel(generation: Generation, actor: Actor) -> None:
    """After a cancel request commits: the provider's confirmation cancels at once.
    Unconfirmed requests are finished by ``run()``'s next report or by the reaper."""
    if not _provider_cancel(generation):
        return
    try:
        mark_cancelled(generation, actor=actor, message="Cancelled; the provider confirmed.")
    except InvalidTransition:  # a completion (or failure) arrived first and wins
        logger.info("genstatus: generation %s finished before its cancel", generation.pk)


def retry(generation: Generation, *, actor: Actor = None) -> Generation:
    """Create a new attempt of a failed or cancelled generation and return it.

    The original never changes status; it gets a "retried" event, a version bump (one
    conditional UPDATE, like ``transition()``), ``generation_retried`` after commit, and
    its ``retried_as`` points to the new attempt.
    ``retry_of`` is unique, so two concurrent retries cannot both succeed: the loser gets
    ``InvalidTransition``. After commit the attempt is submitted to its provider class, if
    one is configured (``providers.submit``).
    """
    generation.refresh_from_db()
    if generation.status not in RETRYABLE:
        _refuse_retry(generation, generation.status)
    existing = Generation.objects.filter(retry_of=generation).values_list("pk", flat=True).first()
    if existing is not None:
        _refuse_retried(generation, existing)
    limit = genstatus_settings.MAX_RETRIES
    if generation.retry_count >= limit:
        raise RetryLimitReached(
            f"Generation {generation.pk} was already retried {generation.retry_count} times; "
            f"the limit is {limit} (GENSTATUS_MAX_RETRIES).",
            generation_id=generation.pk,
            status=generation.status,
            requested="retry",
        )
    status = generation.status
    try:
        with transaction.atomic():
            now = timezone.now()
            # Terminal rows never change status, but the original's row shows "retried as
            # #N" from now on: a visible change, so its version moves. The UPDATE also locks
            # the row, so a concurrent retry waits here and then finds the attempt below.
            if not Generation.objects.filter(pk=generation.pk, status__in=RETRYABLE).update(
                version=F("version") + 1, updated_at=now
            ):
                _refuse_retry(generation, _current_status(generation))
            winner = Generation.objects.filter(retry_of=generation).values_list("pk", flat=True)
            if (existing := winner.first()) is not None:
                _refuse_retried(generation, existing)
            generation.refresh_from_db(fields=["version", "updated_at"])
            attempt = create_generation(
                provider=generation.provider,
                operation_type=generation.operation_type,
                prompt=generation.prompt,
                params=generation.params,
                asset=generation.asset,
                owner=generation.owner,
                source_assets=generation.source_assets.all(),
                actor=actor,
                retry_of=generation,
            )
            generation.retried_as = attempt  # cached: the live message carries its id
            actor = _actor_or_none(actor)
            GenerationEvent.objects.create(
                generation=generation,
                kind=GenerationEvent.Kind.RETRIED,
                from_status=status,
                to_status=status,
                actor=actor,
                message=f"Retried as #{attempt.pk}",
                created_at=now,
            )
            _send_on_commit(
                signals.generation_retried,
                generation=copy.copy(generation),
                attempt=attempt,
                actor=actor,
            )
    except IntegrityError:  # the unique retry_of: also refuses attempts made outside retry()
        generation.refresh_from_db()
        winner = Generation.objects.filter(retry_of=generation).values_list("pk", flat=True)
        _refuse_retried(generation, winner.first())
    from genstatus import providers  # providers call back into this module

    providers.submit_on_commit(attempt)
    return attempt


def _refuse_retry(generation: Generation, current: str) -> None:
    raise InvalidTransition(
        f"Generation {generation.pk} is {current}; only failed or cancelled "
        "generations can be retried.",
        generation_id=generation.pk,
        status=current,
        requested="retry",
    )


def _refuse_retried(generation: Generation, attempt_id: object) -> None:
    raise InvalidTransition(
        f"Generation {generation.pk} was already retried as #{attempt_id}; retry that attempt.",
        generation_id=generation.pk,
        status=generation.status,
        requested="retry",
    )

"""Cancel and retry: the two requests a user makes of a generation.

Neither reaches a provider from here: the state machine only records the request and
sends its signal after commit. ``genstatus.receivers`` (the jobs layer, connected in
``GenstatusConfig.ready``) hangs the provider's ``cancel()`` and ``submit()`` on those
signals.
"""

from __future__ import annotations

import copy
from typing import NoReturn

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from genstatus import signals
from genstatus.conf import genstatus_settings
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.lifecycle.core import (
    Actor,
    actor_or_none,
    create_generation,
    current_status,
    send_on_commit,
    transition,
)
from genstatus.models import Generation, GenerationEvent
from genstatus.states import RETRYABLE, Status


def request_cancel(generation: Generation, *, actor: Actor = None, reason: str = "") -> Generation:
    """Cancel: pending or queued becomes cancelled at once; processing gets a cancel request.

    After commit the provider's ``cancel()`` is tried (for a queued or processing job):
    True (confirmed) cancels a processing row; else ``run()``'s next report stops it, or
    the reaper cancels it after ``GENSTATUS_CANCEL_GRACE``. A completion that arrives first
    wins. A terminal generation is refused with ``InvalidTransition``.
    ``cancel_requested_at`` records when the cancel was asked for, in every case.
    ``reason`` (e.g. "Its asset was deleted.") is added to the event's message."""
    current = current_status(generation)
    if current in (Status.PENDING, Status.QUEUED):
        if _cancel_before_start(generation, current, actor, reason):
            return generation
        current = current_status(generation)  # it moved on meanwhile; decide again
    if current != Status.PROCESSING:
        raise InvalidTransition(
            f"Generation {generation.pk} is {current}; only pending, queued or processing "
            "generations can be cancelled.",
            generation_id=generation.pk,
            status=current,
            requested="cancel",
        )
    _request_processing_cancel(generation, actor, reason)
    _refresh_after_commit(generation)
    return generation


def _with_reason(message: str, reason: str) -> str:
    return f"{message} {reason}" if reason else message


def _cancel_before_start(generation: Generation, current: str, actor: Actor, reason: str) -> bool:
    """Cancel a pending or queued row at once; False when a worker started it first."""
    generation.status = current
    try:
        # only while it has not started: a worker that claims it first wins, and the
        # cancel becomes a request to the provider
        transition(
            generation,
            Status.CANCELLED,
            actor=actor,
            message=_with_reason("Cancelled before it started.", reason),
            fields={"cancel_requested_at": timezone.now()},
            where=Q(status__in=[Status.PENDING, Status.QUEUED]),
        )
    except InvalidTransition:
        return False
    return True


def _request_processing_cancel(generation: Generation, actor: Actor, reason: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        updated = Generation.objects.filter(
            pk=generation.pk, status=Status.PROCESSING, cancel_requested_at__isnull=True
        ).update(cancel_requested_at=now, updated_at=now, version=F("version") + 1)
        generation.refresh_from_db()
        if not updated:
            if generation.status == Status.PROCESSING:
                return  # already requested: idempotent
            raise InvalidTransition(
                f"Generation {generation.pk} is {generation.status}; it finished before the "
                "cancel request arrived.",
                generation_id=generation.pk,
                status=generation.status,
                requested="cancel",
            )
        actor = actor_or_none(actor)
        GenerationEvent.objects.create(
            generation=generation,
            kind=GenerationEvent.Kind.CANCEL_REQUESTED,
            from_status=Status.PROCESSING,
            to_status=Status.PROCESSING,
            actor=actor,
            message=_with_reason("Cancel requested; waiting for the provider.", reason),
            created_at=now,
        )
        send_on_commit(
            signals.generation_cancel_requested, generation=copy.copy(generation), actor=actor
        )


def _refresh_after_commit(generation: Generation) -> None:
    """Outside a transaction the receivers already ran (a provider may have confirmed the
    cancel): the caller's instance shows what they did, as it did when this module called
    the provider itself."""
    if not transaction.get_connection().in_atomic_block:
        generation.refresh_from_db()


def retry(generation: Generation, *, actor: Actor = None) -> Generation:
    """Create a new attempt of a failed or cancelled generation and return it.

    The original never changes status; it gets a "retried" event, a version bump (one
    conditional UPDATE, like ``transition()``), ``generation_retried`` after commit, and
    its ``retried_as`` points to the new attempt.
    ``retry_of`` is unique, so two concurrent retries cannot both succeed: the loser gets
    ``InvalidTransition``. After commit the attempt is submitted to its provider class, if
    one is configured (``genstatus.receivers`` calls ``providers.submit``).
    """
    generation.refresh_from_db()
    _check_retryable(generation)
    try:
        with transaction.atomic():
            attempt = _record_retry(generation, actor)
    except IntegrityError:  # the unique retry_of: also refuses attempts made outside retry()
        generation.refresh_from_db()
        winner = Generation.objects.filter(retry_of=generation).values_list("pk", flat=True)
        _refuse_retried(generation, winner.first())
    return attempt


def _check_retryable(generation: Generation) -> None:
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


def _record_retry(generation: Generation, actor: Actor) -> Generation:
    status = generation.status
    now = timezone.now()
    # Terminal rows never change status, but the original's row shows "retried as #N" from
    # now on: a visible change, so its version moves. The UPDATE also locks the row, so a
    # concurrent retry waits here and then finds the attempt below.
    if not Generation.objects.filter(pk=generation.pk, status__in=RETRYABLE).update(
        version=F("version") + 1, updated_at=now
    ):
        _refuse_retry(generation, current_status(generation))
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
    actor = actor_or_none(actor)
    GenerationEvent.objects.create(
        generation=generation,
        kind=GenerationEvent.Kind.RETRIED,
        from_status=status,
        to_status=status,
        actor=actor,
        message=f"Retried as #{attempt.pk}",
        created_at=now,
    )
    send_on_commit(
        signals.generation_retried, generation=copy.copy(generation), attempt=attempt, actor=actor
    )
    return attempt


def _refuse_retry(generation: Generation, current: str) -> NoReturn:
    raise InvalidTransition(
        f"Generation {generation.pk} is {current}; only failed or cancelled "
        "generations can be retried.",
        generation_id=generation.pk,
        status=current,
        requested="retry",
    )


def _refuse_retried(generation: Generation, attempt_id: object) -> NoReturn:
    raise InvalidTransition(
        f"Generation {generation.pk} was already retried as #{attempt_id}; retry that attempt.",
        generation_id=generation.pk,
        status=generation.status,
        requested="retry",
    )

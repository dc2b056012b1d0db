import itertools

import pytest
from django.utils import timezone

from genstatus import lifecycle
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.models import Generation, GenerationEvent
from genstatus.states import TRANSITIONS, Status

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(Status.values, Status.values))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def put_in(generation: Generation, status: str) -> Generation:
    """Force a row into ``status`` (test setup only; production code uses transitions)."""
    Generation.objects.filter(pk=generation.pk).update(status=status)
    generation.refresh_from_db()
    return generation


def test_create_records_a_created_event(generation, user):
    assert generation.status == Status.PENDING
    assert generation.version == 1
    event = generation.events.get()
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "created",
        "",
        "pending",
        user,
    )


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_transition(generation, user, source, target):
    put_in(generation, source)
    before = generation.version
    lifecycle.transition(generation, target, actor=user, message="because")
    generation.refresh_from_db()
    assert generation.status == target
    assert generation.version == before + 1
    event = generation.events.latest("id")
    assert (event.from_status, event.to_status, event.actor, event.message) == (
        source,
        target,
        user,
        "because",
    )


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_forbidden_transition_names_generation_state_and_request(generation, source, target):
    put_in(generation, source)
    events = generation.events.count()
    with pytest.raises(InvalidTransition) as info:
        lifecycle.transition(generation, target)
    message = str(info.value)
    assert f"Generation {generation.pk} is {source}" in message
    assert f"cannot mark it {target}" in message
    assert (info.value.status, info.value.requested) == (source, target)
    generation.refresh_from_db()
    assert generation.status == source
    assert generation.events.count() == events


def test_stale_instance_uses_the_database_state(generation):
    other_copy = Generation.objects.get(pk=generation.pk)
    lifecycle.mark_queued(generation)
    lifecycle.mark_processing(other_copy)  # other_copy still says pending
    event = other_copy.events.latest("id")
    assert (event.from_status, event.to_status) == ("queued", "processing")


def test_stale_instance_cannot_leave_a_terminal_state(generation):
    stale = Generation.objects.get(pk=generation.pk)
    lifecycle.mark_queued(generation)
    lifecycle.mark_failed(generation, "boom")
    with pytest.raises(InvalidTransition, match="is failed"):
        lifecycle.mark_processing(stale)


def test_processing_sets_started_and_heartbeat_and_terminal_sets_finished(generation):
    lifecycle.mark_processing(generation)
    assert generation.started_at is not None
    assert generation.heartbeat_at is not None
    assert generation.finished_at is None
    lifecycle.mark_completed(generation)
    assert generation.finished_at is not None
    assert generation.progress == 100
    assert generation.duration is not None


def test_completed_with_output_asset(generation, user):
    from gallery.models import Asset

    output = Asset.objects.create(owner=user, title="Result")
    lifecycle.mark_processing(generation)
    lifecycle.mark_completed(generation, asset=output)
    generation.refresh_from_db()
    assert generation.asset == output


def test_failed_keeps_message_and_code(generation):
    lifecycle.mark_failed(generation, "Prompt rejected", code="content_policy")
    generation.refresh_from_db()
    assert (generation.error_message, generation.error_code) == (
        "Prompt rejected",
        "content_policy",
    )


def test_too_long_error_code_is_refused_before_writing(generation):
    with pytest.raises(ValueError, match="limit is 100"):
        lifecycle.mark_failed(generation, "x", code="c" * 101)
    generation.refresh_from_db()
    assert generation.status == "pending"


def test_progress_bumps_version_and_heartbeat(generation):
    lifecycle.mark_processing(generation)
    version = generation.version
    lifecycle.report_progress(generation, 40)
    assert (generation.progress, generation.version) == (40, version + 1)


@pytest.mark.parametrize("bad", [-1, 101, 3.5, "50", True])
def test_bad_progress_is_refused(generation, bad):
    lifecycle.mark_processing(generation)
    with pytest.raises(ValueError, match="integer from 0 to 100"):
        lifecycle.report_progress(generation, bad)


def test_progress_outside_processing_is_refused(generation):
    with pytest.raises(InvalidTransition, match="is pending; cannot report progress"):
        lifecycle.report_progress(generation, 10)


def test_heartbeat_does_not_bump_version(generation):
    lifecycle.mark_processing(generation)
    version = generation.version
    earlier = generation.heartbeat_at
    lifecycle.heartbeat(generation)
    generation.refresh_from_db()
    assert generation.version == version
    assert generation.heartbeat_at >= earlier


def test_heartbeat_on_terminal_is_refused(generation):
    lifecycle.mark_failed(generation, "x")
    with pytest.raises(InvalidTransition, match="heartbeat"):
        lifecycle.heartbeat(generation)


@pytest.mark.parametrize("status", ["pending", "queued"])
def test_cancel_before_start_is_immediate(generation, user, status):
    put_in(generation, status)
    lifecycle.request_cancel(generation, actor=user)
    assert generation.status == "cancelled"
    assert generation.events.latest("id").actor == user


def test_cancel_while_processing_is_a_request(generation, user):
    lifecycle.mark_processing(generation)
    version = generation.version
    lifecycle.request_cancel(generation, actor=user)
    assert generation.status == "processing"
    assert generation.cancel_requested_at is not None
    assert generation.version == version + 1
    event = generation.events.latest("id")
    assert (event.kind, event.to_status) == ("cancel_requested", "processing")
    lifecycle.request_cancel(generation, actor=user)  # idempotent
    assert generation.events.filter(kind="cancel_requested").count() == 1
    lifecycle.mark_cancelled(generation)
    assert generation.status == "cancelled"


def test_completion_that_arrives_first_wins_over_cancel(generation):
    lifecycle.mark_processing(generation)
    lifecycle.request_cancel(generation)
    lifecycle.mark_completed(generation)
    with pytest.raises(InvalidTransition, match="is completed"):
        lifecycle.mark_cancelled(generation)


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_cancel_terminal_is_refused_with_reason(generation, status):
    put_in(generation, status)
    with pytest.raises(InvalidTransition, match=f"is {status}; only pending, queued or processing"):
        lifecycle.request_cancel(generation)


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_retry_creates_a_new_attempt_and_leaves_the_original(generation, user, status):
    lifecycle.mark_failed(generation, "boom") if status == "failed" else lifecycle.request_cancel(
        generation
    )
    generation.refresh_from_db()
    before = (generation.status, generation.finished_at, generation.error_message)
    attempt = lifecycle.retry(generation, actor=user)
    generation.refresh_from_db()
    assert (generation.status, generation.finished_at, generation.error_message) == before
    assert attempt.retry_of == generation
    assert generation.retried_as == attempt
    assert attempt.retry_count == 1
    assert attempt.status == "pending"
    assert (attempt.asset, attempt.prompt, attempt.params, attempt.provider) == (
        generation.asset,
        generation.prompt,
        generation.params,
        generation.provider,
    )
    assert generation.events.latest("id").message == f"Retried as #{attempt.pk}"
    assert attempt.events.get().message == f"Retry of #{generation.pk}"


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_retry_bumps_the_originals_version_once_with_a_retried_event(generation, user, status):
    put_in(generation, status)
    version, updated_at = generation.version, generation.updated_at
    lifecycle.retry(generation, actor=user)
    assert generation.version == version + 1  # the instance passed in is refreshed
    generation.refresh_from_db()
    assert generation.version == version + 1
    assert generation.updated_at > updated_at
    event = generation.events.latest("id")
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "retried",
        status,
        status,
        user,
    )


def test_a_refused_retry_leaves_the_originals_version(generation):
    lifecycle.mark_failed(generation, "boom")
    lifecycle.retry(generation)
    generation.refresh_from_db()
    version = generation.version
    with pytest.raises(InvalidTransition, match="already retried"):
        lifecycle.retry(generation)
    generation.refresh_from_db()
    assert generation.version == version


@pytest.mark.parametrize("status", ["pending", "queued", "processing", "completed"])
def test_retry_of_a_non_retryable_state_is_refused(generation, status):
    put_in(generation, status)
    with pytest.raises(InvalidTransition, match="only failed or cancelled"):
        lifecycle.retry(generation)


def test_a_generation_is_retried_at_most_once(generation):
    lifecycle.mark_failed(generation, "boom")
    attempt = lifecycle.retry(generation)
    with pytest.raises(InvalidTransition, match=f"already retried as #{attempt.pk}"):
        lifecycle.retry(generation)
    assert Generation.objects.filter(retry_of=generation).count() == 1


def test_retry_cap(generation, settings):
    settings.GENSTATUS_MAX_RETRIES = 2
    current = generation
    for _ in range(2):
        lifecycle.mark_failed(current, "boom")
        current = lifecycle.retry(current)
    lifecycle.mark_failed(current, "boom")
    with pytest.raises(RetryLimitReached, match="limit is 2"):
        lifecycle.retry(current)


def test_create_needs_provider_and_operation():
    with pytest.raises(ValueError, match="provider"):
        lifecycle.create_generation(provider="", operation_type="text_to_image")
    with pytest.raises(ValueError, match="operation_type"):
        lifecycle.create_generation(provider="sora", operation_type="")


def test_system_job_without_owner_or_asset():
    generation = lifecycle.create_generation(provider="sora", operation_type="text_to_video")
    lifecycle.mark_processing(generation)
    assert generation.owner is None
    assert generation.asset is None


def test_timestamps_are_aware(generation):
    assert timezone.is_aware(generation.created_at)


def test_anonymous_actor_is_stored_as_none(generation):
    from django.contrib.auth.models import AnonymousUser

    lifecycle.mark_queued(generation, actor=AnonymousUser())
    assert GenerationEvent.objects.filter(generation=generation).latest("id").actor is None


def test_a_condition_that_no_longer_holds_leaves_the_row_unchanged(generation):
    from django.db.models import Q

    from genstatus.exceptions import ConditionNotMet

    lifecycle.mark_processing(generation)
    version = generation.version
    with pytest.raises(ConditionNotMet, match="no longer meets the condition for failed"):
        lifecycle.mark_failed(generation, "stale", code="stale", where=Q(heartbeat_at__isnull=True))
    generation.refresh_from_db()
    assert (generation.status, generation.version) == ("processing", version)
    lifecycle.mark_failed(generation, "x", where=Q(heartbeat_at__isnull=False))
    assert generation.status == "failed"


def test_reaper_leaves_a_job_whose_heartbeat_lands_after_its_read(generation, settings):
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from genstatus import maintenance

    settings.GENSTATUS_STALE_AFTER = 60
    lifecycle.mark_processing(generation)
    later = timezone.now() + timedelta(minutes=5)
    real_apply = maintenance._apply

    def heartbeat_first(change):
        Generation.objects.filter(pk=generation.pk).update(heartbeat_at=later)  # worker alive
        return real_apply(change)

    with mock.patch.object(maintenance, "_apply", heartbeat_first):
        result = maintenance.reap(now=later)
    generation.refresh_from_db()
    assert result.stale == []
    assert generation.status == "processing"


def test_cancel_of_a_job_that_starts_meanwhile_becomes_a_request(generation):
    from unittest import mock

    from genstatus.lifecycle import requests

    lifecycle.mark_queued(generation)
    real = requests.current_status
    calls = []

    def worker_claims_it_first(g):
        status = real(g)
        if not calls:  # right after request_cancel read "queued", a worker starts the job
            calls.append(status)
            Generation.objects.filter(pk=g.pk).update(status="processing")
        return status

    with mock.patch.object(requests, "current_status", worker_claims_it_first):
        lifecycle.request_cancel(generation)
    generation.refresh_from_db()
    assert generation.status == "processing"  # not cancelled behind the provider's back
    assert generation.cancel_requested_at is not None

"""Concurrency on PostgreSQL: real threads, real connections, exactly one winner."""

import contextlib

import pytest

from genstatus import lifecycle
from genstatus.exceptions import InvalidTransition
from genstatus.models import Generation
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("rounds", [20])
def test_two_writers_one_winner_one_event(make_generation, rounds):
    for _ in range(rounds):
        generation = make_generation()
        lifecycle.mark_processing(generation)
        copies = [Generation.objects.get(pk=generation.pk) for _ in range(2)]
        results = race(
            [
                lambda c=copies[0]: lifecycle.mark_completed(c),
                lambda c=copies[1]: lifecycle.mark_failed(c, "late"),
            ]
        )
        winners = [r for r in results if isinstance(r, Generation)]
        losers = [r for r in results if isinstance(r, InvalidTransition)]
        assert (len(winners), len(losers)) == (1, 1)
        generation.refresh_from_db()
        terminal_events = generation.events.filter(to_status__in=["completed", "failed"])
        assert terminal_events.count() == 1
        assert terminal_events.get().to_status == generation.status
        assert generation.version == 3


def test_eight_threads_claim_a_row_once(make_generation):
    generation = make_generation()
    copies = [Generation.objects.get(pk=generation.pk) for _ in range(8)]
    results = race([lambda c=c: lifecycle.mark_processing(c) for c in copies])
    assert sum(isinstance(r, Generation) for r in results) == 1
    assert generation.events.filter(to_status="processing").count() == 1


def test_concurrent_retries_create_one_attempt(make_generation):
    generation = make_generation()
    lifecycle.mark_failed(generation, "boom")
    copies = [Generation.objects.get(pk=generation.pk) for _ in range(4)]
    results = race([lambda c=c: lifecycle.retry(c) for c in copies])
    assert sum(isinstance(r, Generation) for r in results) == 1
    assert all(isinstance(r, (Generation, InvalidTransition)) for r in results)
    assert Generation.objects.filter(retry_of=generation).count() == 1
    generation.refresh_from_db()
    assert generation.version == 3  # created, failed, retried once: the losers rolled back
    assert generation.events.filter(kind="retried").count() == 1


@pytest.mark.parametrize("rounds", [15])
def test_cancel_confirmation_races_completion_one_terminal_state(make_generation, settings, rounds):
    settings.GENSTATUS_PROVIDERS = {"pixverse": "tests.test_providers.RecordingProvider"}
    for _ in range(rounds):
        generation = make_generation()
        lifecycle.mark_processing(generation)
        copies = [Generation.objects.get(pk=generation.pk) for _ in range(2)]
        results = race(
            [
                lambda c=copies[0]: lifecycle.request_cancel(c),
                lambda c=copies[1]: lifecycle.mark_completed(c),
            ]
        )
        assert not [
            r for r in results if isinstance(r, Exception) and not isinstance(r, InvalidTransition)
        ]
        generation.refresh_from_db()
        assert generation.status in {"completed", "cancelled"}
        terminal = generation.events.filter(to_status__in=["completed", "cancelled"])
        assert list(terminal.values_list("to_status", flat=True)) == [generation.status]


def test_reaper_races_completion_one_terminal_state(make_generation, settings):
    from datetime import timedelta

    from django.utils import timezone

    from genstatus.maintenance import reap

    settings.GENSTATUS_STALE_AFTER = 1
    later = timezone.now() + timedelta(minutes=5)
    rows = [make_generation() for _ in range(10)]
    for row in rows:
        lifecycle.mark_processing(row)
    copies = [Generation.objects.get(pk=row.pk) for row in rows]
    results = race(
        [
            lambda: reap(now=later),
            lambda: [_complete_quietly(c) for c in copies],
        ]
    )
    assert not any(isinstance(r, Exception) for r in results), results
    reaped = set(results[0].stale)
    for row in rows:
        row.refresh_from_db()
        assert row.status == ("failed" if row.pk in reaped else "completed")
        assert row.events.filter(to_status__in=["completed", "failed"]).count() == 1


def _complete_quietly(generation):
    with contextlib.suppress(InvalidTransition):
        lifecycle.mark_completed(generation)

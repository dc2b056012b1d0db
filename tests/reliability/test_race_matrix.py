"""Races on PostgreSQL with many threads: exactly one outcome each, and the event log
agrees with the row (genstatus.integrity finds nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from genstatus import lifecycle
from genstatus.exceptions import InvalidTransition
from genstatus.integrity import find_mismatches
from genstatus.models import Generation
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
ROUNDS = 10


def copies(generation: Generation, n: int = THREADS) -> list[Generation]:
    return [Generation.objects.get(pk=generation.pk) for _ in range(n)]


def wins(results: list[Any]) -> int:
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InvalidTransition)
    ]
    assert unexpected == []
    return sum(not isinstance(r, Exception) for r in results)


def test_retry_vs_retry(make_generation):
    for _ in range(ROUNDS):
        generation = make_generation()
        lifecycle.mark_failed(generation, "boom")
        results = race([lambda c=c: lifecycle.retry(c) for c in copies(generation)])
        assert wins(results) == 1
        assert Generation.objects.filter(retry_of=generation).count() == 1
        assert generation.events.filter(kind="retried").count() == 1
    assert list(find_mismatches()) == []


def test_cancel_vs_complete(make_generation):
    outcomes = set()
    for _ in range(ROUNDS):
        generation = make_generation()
        lifecycle.mark_processing(generation)
        lifecycle.request_cancel(generation)
        half = THREADS // 2
        functions = [lambda c=c: lifecycle.mark_cancelled(c) for c in copies(generation, half)]
        functions += [lambda c=c: lifecycle.mark_completed(c) for c in copies(generation, half)]
        assert wins(race(functions)) == 1
        generation.refresh_from_db()
        outcomes.add(generation.status)
        assert generation.events.filter(to_status__in=["cancelled", "completed"]).count() == 1
    assert outcomes <= {"cancelled", "completed"}
    assert list(find_mismatches()) == []


def test_complete_vs_fail(make_generation):
    for _ in range(ROUNDS):
        generation = make_generation()
        lifecycle.mark_processing(generation)
        half = THREADS // 2
        functions = [lambda c=c: lifecycle.mark_completed(c) for c in copies(generation, half)]
        functions += [lambda c=c: lifecycle.mark_failed(c, "x") for c in copies(generation, half)]
        assert wins(race(functions)) == 1
        generation.refresh_from_db()
        assert generation.version == 3  # created 1, processing 2, one terminal change 3
    assert list(find_mismatches()) == []


def test_progress_reports_race_a_completion(make_generation):
    generation = make_generation()
    lifecycle.mark_processing(generation)
    functions = [
        lambda c=c, p=p: lifecycle.report_progress(c, p)
        for p, c in enumerate(copies(generation, THREADS - 1), start=10)
    ]
    finisher = Generation.objects.get(pk=generation.pk)
    functions.append(lambda: lifecycle.mark_completed(finisher))
    results = race(functions)
    generation.refresh_from_db()
    assert generation.status == "completed"
    successes = sum(not isinstance(r, Exception) for r in results)
    # every accepted progress report and the completion each bumped the version once
    assert generation.version == 2 + successes
    assert list(find_mismatches()) == []


def test_reaper_vs_late_heartbeat(make_generation, settings):
    from datetime import timedelta

    from django.utils import timezone

    from genstatus.maintenance import reap

    settings.GENSTATUS_STALE_AFTER = 60
    outcomes = {"reaped": 0, "alive": 0}
    for _ in range(ROUNDS):
        generation = make_generation()
        lifecycle.mark_processing(generation)
        later = timezone.now() + timedelta(minutes=5)
        worker = Generation.objects.get(pk=generation.pk)

        def late_heartbeat(worker=worker, later=later):
            # the worker's clock is the reaper's: its heartbeat is fresh at `later`
            Generation.objects.filter(pk=worker.pk, status="processing").update(
                heartbeat_at=later
            ) or lifecycle.heartbeat(worker)

        results = race([lambda later=later: reap(now=later), late_heartbeat])
        generation.refresh_from_db()
        reaped = generation.pk in getattr(results[0], "stale", [])
        if reaped:
            assert generation.status == "failed"
            assert generation.error_code == "stale"
            assert isinstance(results[1], InvalidTransition)  # the worker learns it was reaped
            outcomes["reaped"] += 1
        else:
            assert generation.status == "processing"
            assert not generation.events.filter(to_status="failed").exists()
            outcomes["alive"] += 1
    assert sum(outcomes.values()) == ROUNDS
    assert list(find_mismatches()) == []

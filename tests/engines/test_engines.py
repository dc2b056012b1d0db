"""Provider jobs on real engines: RQ (django-tasks-rq + ``rqworker``) and Celery
(django-tasks-celery + ``celery worker`` on RabbitMQ), each a subprocess on the test
database: a run to completion, a retry, a cancel of a running and of a queued job, and a
worker killed mid-job (the reaper fails it ``stale``; a redelivered message runs nothing).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from genstatus import lifecycle, maintenance, providers, tasks
from genstatus.conf import genstatus_settings
from genstatus.models import Generation
from tests.engines.conftest import wait_for
from tests.engines.providers import counter, runs_key

ENGINES = getattr(settings, "ENGINES", [])

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize(
        "engine",
        [
            pytest.param(
                engine,
                marks=[]
                if engine in ENGINES
                else pytest.mark.skip(reason=f"django-tasks-{engine} is not installed here"),
            )
            for engine in ("rq", "celery")
        ],
    ),
]


@pytest.fixture(autouse=True)
def engine_backend(engine: str, settings: Any) -> str:
    settings.GENSTATUS_TASK_BACKEND = engine
    settings.GENSTATUS_TASK_QUEUE = settings.ENGINE_QUEUE
    return engine


@pytest.fixture
def job(user: Any, asset: Any) -> Any:
    test = uuid.uuid4().hex

    def make(**params: Any) -> Generation:
        params["test"] = test
        return lifecycle.create_generation(
            provider="engine", operation_type="upscale", asset=asset, owner=user, params=params
        )

    return make


def status_of(generation: Generation) -> str:
    generation.refresh_from_db()
    return generation.status


def reached(generation: Generation, *statuses: str) -> Any:
    return lambda: status_of(generation) in statuses


def runs(generation: Generation) -> int:
    return int(counter().get(runs_key(generation)) or 0)


def history(generation: Generation) -> list[str]:
    return list(generation.events.order_by("id").values_list("to_status", flat=True))


def test_a_job_runs_to_completion(engine, job, start_worker):
    generation = job(steps=3)
    assert providers.submit(generation)
    assert status_of(generation) == "queued"  # enqueued on the engine, nothing ran here
    worker = start_worker(engine)
    wait_for(reached(generation, "completed", "failed"), "the job to finish", worker)
    assert history(generation) == ["pending", "queued", "processing", "completed"]
    assert (generation.progress, generation.version) == (100, 7)  # 3 reports in the worker
    assert runs(generation) == 1


def test_a_failed_job_is_retried_through_the_engine(engine, job, start_worker):
    generation = job(steps=1, fail_attempts=1)
    worker = start_worker(engine)
    providers.submit(generation)
    wait_for(reached(generation, "failed"), "the first attempt to fail", worker)
    assert generation.error_code == "node_oom"
    attempt = lifecycle.retry(generation)  # submits the attempt to the engine after commit
    wait_for(reached(attempt, "completed", "failed"), "the retried attempt", worker)
    assert history(attempt) == ["pending", "queued", "processing", "completed"]
    assert (runs(generation), runs(attempt)) == (1, 1)


def test_a_running_job_is_cancelled(engine, job, start_worker):
    generation = job(steps=200, delay=0.1)
    worker = start_worker(engine)
    providers.submit(generation)
    wait_for(lambda: status_of(generation) == "processing" and generation.progress, "a report")
    lifecycle.request_cancel(generation)
    wait_for(reached(generation, "cancelled", "completed"), "the cancel", worker)
    assert generation.events.latest("id").message == "Stopped on request."
    assert history(generation)[-2:] == ["processing", "cancelled"]


def test_a_queued_job_cancelled_before_a_worker_takes_it_never_runs(engine, job, start_worker):
    """Neither engine can drop a queued task through Django Tasks: the row is cancelled at
    once, the task stays queued, and when a worker takes it, it runs nothing."""
    cancelled, after = job(steps=1), job(steps=1)
    providers.submit(cancelled)
    lifecycle.request_cancel(cancelled)
    assert status_of(cancelled) == "cancelled"
    providers.submit(after)  # the same queue, behind it
    worker = start_worker(engine)
    wait_for(reached(after, "completed"), "the job queued behind the cancelled one", worker)
    assert runs(cancelled) == 0
    assert history(cancelled) == ["pending", "queued", "cancelled"]


def test_a_worker_killed_mid_job_is_reaped_stale_and_a_redelivery_runs_nothing(
    engine, job, start_worker
):
    generation = job(steps=400, delay=0.1)
    worker = start_worker(engine)
    providers.submit(generation)
    wait_for(lambda: status_of(generation) == "processing" and generation.progress, "a report")
    worker.kill()
    progress = status_of(generation) and generation.progress

    # The message comes back: Celery's broker redelivers the unacknowledged message to the
    # next worker (acks_late); RQ does not, so the test sends it again as a requeue would.
    if engine == "rq":
        tasks.enqueue_run(generation)
    sentinel = job(steps=1)
    providers.submit(sentinel)
    second = start_worker(engine)
    wait_for(reached(sentinel, "completed"), "the job queued after the redelivery", second)

    generation.refresh_from_db()
    assert (generation.status, generation.progress) == ("processing", progress)
    assert runs(generation) == 1  # the redelivery claimed nothing: it ran once
    assert generation.events.filter(to_status="processing").count() == 1

    later = timezone.now() + genstatus_settings.STALE_AFTER + timedelta(minutes=1)
    reaped = maintenance.reap(now=later)
    assert generation.pk in reaped.stale
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "stale")

"""genstatus running a provider's run() through Django Tasks: immediate backend and a real
django-tasks-db worker process."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from genstatus import lifecycle, providers, tasks
from genstatus.models import Generation
from genstatus.providers import Provider, ProviderError

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SEEN: list[dict] = []


class ScriptedProvider(Provider):
    """Does what ``generation.params["script"]`` says, so one class covers every path."""

    def run(self, generation, report):
        script = generation.params.get("script", {})
        SEEN.append({"status": generation.status, "started": generation.started_at})
        for percent in script.get("progress", [25, 50, 75]):
            report(percent)
        if script.get("cancel_midway"):
            lifecycle.request_cancel(Generation.objects.get(pk=generation.pk))
            report()  # the next report notices the request
        if "fail" in script:
            raise ProviderError(script["fail"], code=script.get("code", "provider_error"))
        if script.get("crash"):
            raise KeyError("output_url")
        if script.get("reaped_midway"):
            lifecycle.mark_failed(Generation.objects.get(pk=generation.pk), "x", code="stale")
            report(90)
        return None


@pytest.fixture(autouse=True)
def configured(settings):
    settings.GENSTATUS_PROVIDERS = {
        "scripted": "tests.test_tasks.ScriptedProvider",
        "pixverse": None,
    }
    SEEN.clear()


@pytest.fixture
def scripted(make_generation):
    def make(**script):
        return make_generation(provider="scripted", params={"script": script})

    return make


def statuses(generation):
    return list(generation.events.order_by("id").values_list("to_status", flat=True))


def test_submit_queues_and_the_immediate_backend_runs_to_completion(scripted):
    generation = scripted(progress=[10, 60])
    assert providers.submit(generation) is True
    generation.refresh_from_db()
    assert generation.status == "completed"
    assert statuses(generation) == ["pending", "queued", "processing", "completed"]
    assert SEEN[0]["status"] == "processing"
    assert SEEN[0]["started"] is not None
    # created 1 + queued + processing + two progress reports + completed
    assert generation.version == 6
    assert generation.progress == 100


def test_run_reports_progress_through_the_lifecycle(scripted, django_capture_on_commit_callbacks):
    from genstatus import signals

    seen = []

    def on_progress(sender, generation, progress, **kwargs):
        seen.append(progress)

    signals.generation_progressed.connect(on_progress)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_generation.enqueue(scripted(progress=[20, 40, 80]).pk)
    finally:
        signals.generation_progressed.disconnect(on_progress)
    assert seen == [20, 40, 80]


def test_provider_error_fails_with_its_code(scripted):
    generation = scripted(fail="Insufficient credits on the Sora account.", code="quota")
    result = tasks.run_generation.enqueue(generation.pk)
    generation.refresh_from_db()
    assert (generation.status, generation.error_code, generation.error_message) == (
        "failed",
        "quota",
        "Insufficient credits on the Sora account.",
    )
    assert result.return_value == "failed"


def test_an_unexpected_exception_is_captured_as_a_failure(scripted, caplog):
    generation = scripted(crash=True)
    result = tasks.run_generation.enqueue(generation.pk)
    generation.refresh_from_db()
    assert generation.status == "failed"
    assert generation.error_code == "provider_error"
    assert generation.error_message == "KeyError: 'output_url'"
    assert "failed on generation" in caplog.text
    assert result.status == "SUCCESSFUL"  # genstatus recorded it; the task itself did not fail


def test_a_cancel_request_stops_the_run_at_the_next_report(scripted):
    generation = scripted(cancel_midway=True)
    tasks.run_generation.enqueue(generation.pk)
    generation.refresh_from_db()
    assert generation.status == "cancelled"
    assert generation.events.latest("id").message == "Stopped on request."


def test_a_row_reaped_under_the_run_is_left_alone(scripted):
    generation = scripted(reaped_midway=True)
    result = tasks.run_generation.enqueue(generation.pk)
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "stale")
    assert result.return_value == "failed"


def test_a_job_cancelled_while_queued_never_runs(scripted):
    generation = scripted()
    lifecycle.mark_queued(generation)
    lifecycle.request_cancel(generation)
    assert tasks.run_generation.enqueue(generation.pk).return_value == "cancelled"
    assert SEEN == []


def test_a_job_already_claimed_by_another_worker_is_skipped(scripted):
    generation = scripted()
    lifecycle.mark_processing(generation)
    assert tasks.execute(generation.pk) == "skipped"
    assert SEEN == []


def test_a_deleted_generation_is_reported_missing():
    assert tasks.execute(10**9) == "missing"


def test_a_provider_without_run_fails_clearly(make_generation, settings):
    settings.GENSTATUS_PROVIDERS = {"pixverse": "tests.test_providers.RecordingProvider"}
    generation = make_generation()
    assert tasks.execute(generation.pk) == "failed"
    generation.refresh_from_db()
    assert "has no run() for genstatus to execute" in generation.error_message


def test_retry_of_a_run_provider_runs_the_new_attempt(scripted, django_capture_on_commit_callbacks):
    generation = scripted(fail="Render node crashed.", code="node_crash")
    providers.submit(generation)
    generation.refresh_from_db()
    assert generation.status == "failed"
    Generation.objects.filter(pk=generation.pk).update(params={"script": {}})
    generation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        attempt = lifecycle.retry(generation)
    attempt.refresh_from_db()
    assert attempt.status == "completed"
    assert statuses(attempt) == ["pending", "queued", "processing", "completed"]


def test_enqueue_uses_the_configured_backend_and_queue(scripted, settings):
    settings.TASKS = {**settings.TASKS, "other": settings.TASKS["default"] | {"QUEUES": ["gen"]}}
    settings.GENSTATUS_TASK_BACKEND = "other"
    settings.GENSTATUS_TASK_QUEUE = "gen"
    generation = scripted()
    lifecycle.mark_queued(generation)
    result = tasks.enqueue_run(generation)
    assert (result.backend, result.task.queue_name) == ("other", "gen")
    generation.refresh_from_db()
    assert generation.status == "completed"


def test_maintenance_tasks(make_generation):
    assert tasks.reap.enqueue().return_value == {"stale": [], "cancelled": [], "lost": []}
    assert tasks.prune.enqueue(dry_run=True).return_value == {"completed": 0, "failed": 0}


# A real worker process: django-tasks-db's db_worker against the same PostgreSQL database.

WORKER = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    from django.test import override_settings
    with override_settings(GENSTATUS_PROVIDERS={"scripted": "tests.test_tasks.ScriptedProvider"}):
        call_command("db_worker", "--batch", "--no-startup-delay", "--backend", "database",
                     "--interval", "0.1", verbosity=0)
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_db_worker_process_runs_queued_generations(scripted, settings):
    settings.GENSTATUS_TASK_BACKEND = "database"
    ok = scripted(progress=[30, 70])
    bad = scripted(fail="Upstream returned HTTP 502 Bad Gateway.", code="upstream_502")
    assert providers.submit(ok)
    assert providers.submit(bad)
    ok.refresh_from_db()
    assert ok.status == "queued"  # enqueued in the database, nothing ran in this process

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PGDATABASE": connection.settings_dict["NAME"],  # the test database, not "test"
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    ok.refresh_from_db()
    bad.refresh_from_db()
    assert statuses(ok) == ["pending", "queued", "processing", "completed"]
    assert ok.events.filter(to_status="processing").count() == 1
    assert ok.version == 6  # the two progress reports were written by the worker
    assert (bad.status, bad.error_code) == ("failed", "upstream_502")

    from django_tasks_db.models import DBTaskResult

    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "SUCCESSFUL",
        "SUCCESSFUL",
    ]


def test_a_redelivered_message_runs_the_job_once(scripted):
    generation = scripted()
    lifecycle.mark_queued(generation)
    # the first delivery claims the row; a worker died before finishing, say, and the
    # broker delivers the same message again: it finds the job claimed
    lifecycle.mark_processing(Generation.objects.get(pk=generation.pk))
    assert tasks.execute(generation.pk, generation.retry_count) == "skipped"
    assert SEEN == []
    generation.refresh_from_db()
    assert generation.events.filter(to_status="processing").count() == 1


def test_a_message_for_another_attempt_runs_nothing(scripted, caplog):
    generation = scripted()
    lifecycle.mark_queued(generation)
    assert tasks.execute(generation.pk, attempt=generation.retry_count + 1) == "skipped"
    assert SEEN == []
    assert "nothing ran" in caplog.text
    assert tasks.execute(generation.pk, attempt=generation.retry_count) == "completed"


def test_enqueue_run_names_the_generation_and_its_attempt(scripted):
    generation = scripted()
    lifecycle.mark_queued(generation)
    result = tasks.enqueue_run(generation)
    assert result.args == [generation.pk, 0]


def test_register_tasks_binds_every_task_to_the_backend(settings):
    settings.TASKS = {**settings.TASKS, "other": settings.TASKS["default"] | {"QUEUES": ["gen"]}}
    tasks.register_tasks(backend="other", queue="gen")  # a worker's Celery app module does this
    with pytest.raises(Exception, match="Queue 'elsewhere'"):
        tasks.register_tasks(backend="other", queue="elsewhere")

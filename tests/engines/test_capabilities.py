"""What genstatus says about the configured Tasks backend (genstatus.engines, I401...)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from genstatus import engines

RUNNING = {"scripted": "tests.test_tasks.ScriptedProvider"}


def task_ids(**overrides):
    from django.test import override_settings

    with override_settings(**overrides):
        return [m.id for m in run_checks() if m.id and m.id[-3] == "4" and "genstatus" in m.id]


def test_no_message_when_no_provider_runs_jobs():
    assert task_ids(GENSTATUS_PROVIDERS={"pixverse": None}, GENSTATUS_TASK_BACKEND="database") == []


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("default", []),  # the immediate backend of the test settings
        ("database", ["genstatus.I401"]),  # django-tasks-db cannot drop a queued task
        ("nowhere", ["genstatus.E401"]),
    ],
)
def test_the_configured_backend_is_described(backend, expected):
    assert task_ids(GENSTATUS_PROVIDERS=RUNNING, GENSTATUS_TASK_BACKEND=backend) == expected


def test_a_backend_that_never_runs_tasks_is_a_warning(settings):
    immediate = settings.TASKS["default"]["BACKEND"]  # django.tasks or the backport's
    dummy = immediate.replace("immediate.ImmediateBackend", "dummy.DummyBackend")
    assert not engines.ENGINES[dummy].runs_jobs
    tasks = {**settings.TASKS, "dummy": {"BACKEND": dummy}}
    found = task_ids(GENSTATUS_PROVIDERS=RUNNING, GENSTATUS_TASK_BACKEND="dummy", TASKS=tasks)
    assert found == ["genstatus.W401"]


def test_every_engine_says_what_becomes_of_a_cancelled_queued_task_and_a_lost_worker():
    for engine in engines.ENGINES.values():
        assert engine.queued_cancel
        assert engine.worker_lost
    rq = engines.ENGINES["django_tasks_rq.RQBackend"]
    assert "runs nothing" in rq.queued_cancel

"""What each Django Tasks backend can do for genstatus, and the check that says so.

genstatus runs a provider's ``run()`` through Django's Tasks framework on the backend
``GENSTATUS_TASK_BACKEND`` names (an alias in ``TASKS``). The framework has no way to
cancel a task once enqueued, and engines differ in what happens to a job whose worker
died. genstatus does not depend on either: a generation cancelled while queued is
cancelled at once and its task, when a worker takes it, runs nothing; a job whose worker
died is failed ``stale`` by the reaper, and a redelivered message finds the job claimed
and runs nothing (``genstatus.tasks.execute``). The table below is what docs/jobs.md shows
and what ``genstatus.I401`` tells a project about its backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning

from genstatus.conf import genstatus_settings


@dataclass(frozen=True)
class Engine:
    """One backend's behaviour, as genstatus meets it."""

    name: str
    runs_jobs: bool  # a task enqueued here ever runs
    worker: str  # where the job runs
    queued_cancel: str  # what becomes of the task of a generation cancelled while queued
    worker_lost: str  # what becomes of a job whose worker died mid-run


_IMMEDIATE = Engine(
    name="immediate",
    runs_jobs=True,
    worker="in the process that enqueues, before enqueue() returns (tests, scripts)",
    queued_cancel="nothing is ever queued",
    worker_lost="the process that died was the one running it: the reaper fails it stale",
)
_DUMMY = Engine(
    name="dummy",
    runs_jobs=False,
    worker="nowhere: tasks are recorded and never run",
    queued_cancel="the task is never run",
    worker_lost="-",
)
_LEFT_QUEUED = "stays queued; runs nothing when a worker takes it (the row is cancelled)"

ENGINES: dict[str, Engine] = {
    "django.tasks.backends.immediate.ImmediateBackend": _IMMEDIATE,
    "django_tasks.backends.immediate.ImmediateBackend": _IMMEDIATE,
    "django.tasks.backends.dummy.DummyBackend": _DUMMY,
    "django_tasks.backends.dummy.DummyBackend": _DUMMY,
    "django_tasks_db.DatabaseBackend": Engine(
        name="django-tasks-db",
        runs_jobs=True,
        worker="manage.py db_worker processes (one machine or several, one database)",
        queued_cancel=_LEFT_QUEUED,
        worker_lost="its task row stays RUNNING, never redelivered: the reaper fails it stale",
    ),
    "django_tasks_rq.RQBackend": Engine(
        name="RQ",
        runs_jobs=True,
        worker="manage.py rqworker --job-class django_tasks_rq.Job, on any machine",
        queued_cancel=_LEFT_QUEUED,
        worker_lost="RQ moves the job to its failed registry (abandoned), no redelivery; "
        "the reaper fails it stale; a requeue runs nothing",
    ),
    "django_tasks_celery.CeleryBackend": Engine(
        name="Celery",
        runs_jobs=True,
        worker="celery worker, on any machine (Django 6 only)",
        queued_cancel=_LEFT_QUEUED,
        worker_lost="with task_acks_late the broker redelivers the message, which finds the "
        "job claimed and runs nothing; the reaper fails it stale",
    ),
}


def backend_path(alias: str) -> str | None:
    """The dotted path of the backend ``TASKS[alias]`` configures; None when absent."""
    tasks = getattr(settings, "TASKS", None)
    if not isinstance(tasks, dict) or not isinstance(tasks.get(alias), dict):
        return None
    path = tasks[alias].get("BACKEND")
    return path if isinstance(path, str) else None


def check_task_backend(runs_jobs: bool) -> list[CheckMessage]:
    """The messages about ``GENSTATUS_TASK_BACKEND``; ``runs_jobs``: some configured
    provider implements ``run()`` (otherwise genstatus enqueues nothing)."""
    if not runs_jobs:
        return []
    alias = genstatus_settings.TASK_BACKEND
    path = backend_path(alias)
    if path is None:
        return [
            Error(
                f"GENSTATUS_TASK_BACKEND = {alias!r} is not a backend in TASKS; providers "
                "with run() cannot enqueue their jobs.",
                hint=f'Add TASKS[{alias!r}] = {{"BACKEND": ...}} or name an alias of TASKS.',
                id="genstatus.E401",
            )
        ]
    engine = ENGINES.get(path)
    if engine is None:
        return []
    if not engine.runs_jobs:
        return [
            Warning(
                f"GENSTATUS_TASK_BACKEND = {alias!r} is the {engine.name} backend: provider "
                "jobs are enqueued and never run.",
                hint="Use django-tasks-db, RQ or Celery (docs/jobs.md).",
                id="genstatus.W401",
            )
        ]
    if engine.queued_cancel == _LEFT_QUEUED:
        return [_cannot_drop(alias, engine)]
    return []


def _cannot_drop(alias: str, engine: Engine) -> Any:
    return Info(
        f"GENSTATUS_TASK_BACKEND = {alias!r} ({engine.name}) cannot cancel a queued task: "
        "a generation cancelled while queued is cancelled at once, and its task stays queued "
        "and runs nothing when a worker takes it.",
        hint=f"Nothing to do. A worker lost mid-job: {engine.worker_lost}. See docs/jobs.md.",
        id="genstatus.I401",
    )

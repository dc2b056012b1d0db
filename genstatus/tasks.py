"""Django Tasks that run providers' jobs and the maintenance functions.

``django.tasks`` on Django 6, the ``django-tasks`` backport on Django 5.2
(``pip install django-genstatus[tasks]``). The backend is the host's choice through
Django's ``TASKS`` setting and ``GENSTATUS_TASK_BACKEND`` / ``GENSTATUS_TASK_QUEUE``:
the immediate backend in tests, ``django_tasks_db.DatabaseBackend`` with its
``db_worker`` on one machine, an RQ or Celery backend across machines.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from genstatus import lifecycle, maintenance
from genstatus.conf import genstatus_settings
from genstatus.exceptions import InvalidTransition
from genstatus.models import Generation
from genstatus.providers import (
    RUN_FAILED,
    CancelRequested,
    GenerationGone,
    Provider,
    ProviderError,
    Report,
    get_provider,
)
from genstatus.states import TERMINAL, Status

try:  # the one compatibility spot: Django 6 ships django.tasks
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    try:
        from django_tasks import task  # type: ignore[no-redef,unused-ignore]
    except ImportError as exc:
        raise ImportError(
            "genstatus.tasks needs Django 6's django.tasks or, on Django 5.2, the django-tasks "
            "backport: pip install 'django-genstatus[tasks]'."
        ) from exc

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger("genstatus")


def _configured(declared: Any, backend: str | None = None, queue: str | None = None) -> Any:
    return declared.using(
        backend=backend or genstatus_settings.TASK_BACKEND,
        queue_name=queue or genstatus_settings.TASK_QUEUE,
    )


def enqueue_run(generation: Generation) -> Any:
    """Enqueue ``run_generation`` for ``generation`` on the configured backend and queue.

    The message names the generation and its attempt (``retry_count``): one attempt is one
    row, claimed once, so an engine that delivers the message twice runs the job once."""
    return _configured(run_generation).enqueue(generation.pk, generation.retry_count)


def register_tasks(backend: str | None = None, queue: str | None = None) -> None:
    """Bind genstatus's tasks to ``backend`` and ``queue`` (default:
    ``GENSTATUS_TASK_BACKEND`` and ``GENSTATUS_TASK_QUEUE``).

    A backend with a registry of its own learns of a task when the task is bound to it
    (django-tasks-celery registers it with Celery then). The web process binds
    ``run_generation`` when it enqueues; a worker binds nothing by itself, so call this
    once in the worker, e.g. at the end of the module that creates the Celery app."""
    for declared in (run_generation, reap, prune):
        _configured(declared, backend, queue)


def execute(generation_id: int, attempt: int | None = None) -> str:
    """Run the provider's ``run()`` for one generation; return the final status (or why
    nothing ran). The body of ``run_generation``, callable without a task backend.

    Idempotent: the run starts only if this call moves the row from pending or queued to
    processing (one conditional UPDATE), so a message delivered twice (a broker's
    redelivery after a worker died, a duplicate) finds it claimed and runs nothing.
    ``attempt`` (the row's ``retry_count``, when the message carries it) must match."""
    claimed = _claim(generation_id, attempt)
    if isinstance(claimed, str):
        return claimed
    generation, provider = claimed
    report = Report(generation)
    try:
        if report.cancel_requested:
            raise CancelRequested(f"Cancel requested for generation {generation.pk}.")
        output = provider.run(generation, report)
    except CancelRequested:
        return _finish(partial(lifecycle.mark_cancelled, generation, message="Stopped on request."))
    except GenerationGone:
        return _current(generation)
    except ProviderError as exc:
        return _finish(partial(lifecycle.mark_failed, generation, exc.message, code=exc.code))
    except Exception as exc:
        logger.exception("genstatus: %r failed on generation %s", provider, generation.pk)
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return _finish(partial(lifecycle.mark_failed, generation, message, code=RUN_FAILED))
    # A completion that arrives first wins, even over a pending cancel request.
    return _finish(partial(lifecycle.mark_completed, generation, asset=output))


def _claim(generation_id: int, attempt: int | None) -> tuple[Generation, Provider] | str:
    """Move the generation to processing for this run; or say why nothing runs."""
    generation = Generation.objects.filter(pk=generation_id).first()
    if generation is None:
        return "missing"
    if attempt is not None and attempt != generation.retry_count:
        logger.warning(
            "genstatus: a message for attempt %s of generation %s found attempt %s; nothing ran",
            attempt,
            generation_id,
            generation.retry_count,
        )
        return "skipped"
    if generation.status in TERMINAL:  # cancelled while queued, or reaped: nothing to do
        return str(generation.status)
    provider = get_provider(generation.provider)
    if provider is None or not provider.runs_jobs:
        lifecycle.mark_failed(
            generation,
            f"Provider {generation.provider!r} has no run() for genstatus to execute.",
            code=RUN_FAILED,
        )
        return Status.FAILED
    try:
        lifecycle.mark_processing(generation)
    except InvalidTransition:  # another worker claimed it, or it finished meanwhile
        logger.info("genstatus: generation %s was already claimed; nothing ran", generation.pk)
        return "skipped"
    return generation, provider


def _finish(change: Callable[[], Generation]) -> str:
    try:
        return change().status
    except InvalidTransition as exc:  # the reaper or a confirmed cancel got there first
        return exc.status


def _current(generation: Generation) -> str:
    generation.refresh_from_db(fields=["status"])
    return generation.status


@task()
def run_generation(generation_id: int, attempt: int | None = None) -> str:
    """Run a provider's ``run()`` for a generation with transitions, progress, heartbeat
    and error capture. Returns the final status (``"skipped"`` when another delivery of
    the message claimed the job first)."""
    return execute(generation_id, attempt)


@task()
def reap(dry_run: bool = False) -> dict[str, list[int]]:
    """``maintenance.reap()`` as a task: fail stale and lost jobs, finish overdue cancels."""
    return maintenance.reap(dry_run=dry_run).as_dict()


@task()
def prune(dry_run: bool = False) -> dict[str, int]:
    """``maintenance.prune()`` with the configured ages, as a task."""
    return maintenance.prune(dry_run=dry_run).as_dict()

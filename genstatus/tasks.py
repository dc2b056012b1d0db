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


def enqueue_run(generation: Generation) -> Any:
    """Enqueue ``run_generation`` for ``generation`` on the configured backend and queue."""
    configured = run_generation.using(
        backend=genstatus_settings.TASK_BACKEND, queue_name=genstatus_settings.TASK_QUEUE
    )
    return configured.enqueue(generation.pk)


def execute(generation_id: int) -> str:
    """Run the provider's ``run()`` for one generation; return the final status (or why
    nothing ran). The body of ``run_generation``, callable without a task backend."""
    generation = Generation.objects.filter(pk=generation_id).first()
    if generation is None:
        return "missing"
    if generation.status in TERMINAL:  # cancelled while queued, or reaped: nothing to do
        return generation.status
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
        return "skipped"
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


def _finish(change: Callable[[], Generation]) -> str:
    try:
        return change().status
    except InvalidTransition as exc:  # the reaper or a confirmed cancel got there first
        return exc.status


def _current(generation: Generation) -> str:
    generation.refresh_from_db(fields=["status"])
    return generation.status


@task()
def run_generation(generation_id: int) -> str:
    """Run a provider's ``run()`` for a generation with transitions, progress, heartbeat
    and error capture. Returns the final status."""
    return execute(generation_id)


@task()
def reap(dry_run: bool = False) -> dict[str, list[int]]:
    """``maintenance.reap()`` as a task: fail stale and lost jobs, finish overdue cancels."""
    return maintenance.reap(dry_run=dry_run).as_dict()


@task()
def prune(dry_run: bool = False) -> dict[str, int]:
    """``maintenance.prune()`` with the configured ages, as a task."""
    return maintenance.prune(dry_run=dry_run).as_dict()

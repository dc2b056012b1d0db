"""The demo provider: simulated generation jobs, so ``make demo`` shows a job's whole life.

``DemoProvider.run()`` is executed by genstatus through Django Tasks. The demo's tasks
backend, ``ThreadedBackend``, runs each task in a background thread of the web process
after a short queue wait, so the demo needs no worker process: the badge goes pending →
queued → processing (with progress) → completed, failed or cancelled while you watch.
A real project would use django-tasks-db's ``db_worker`` or an RQ/Celery backend instead.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from django.db import connection, transaction

from gallery.models import Asset
from genstatus import lifecycle, providers
from genstatus.exceptions import InvalidTransition
from genstatus.models import Generation
from genstatus.providers import CancelRequested, Provider, ProviderError, Report
from genstatus.states import ACTIVE, Status

try:
    from django.tasks.backends.immediate import ImmediateBackend
except ImportError:  # Django 5.2: the django-tasks backport
    # the backport's class under the same name (its stubs differ: no shared base type)
    from django_tasks.backends.immediate import (  # type: ignore[no-redef,assignment,unused-ignore]
        ImmediateBackend,
    )

# Real-looking provider failures: (code, message)
FAILURES = [
    ("content_policy", "Prompt rejected by the provider's content policy (code 4012)."),
    ("quota", "Monthly generation quota exceeded for this API key."),
    ("upstream_502", "Upstream render node returned HTTP 502 Bad Gateway."),
    ("nsfw_output", "Output blocked by the safety filter after rendering (frame 112)."),
    ("invalid_aspect", "Unsupported aspect ratio 4:3 for text_to_video; use 16:9 or 9:16."),
]
PROMPTS = [
    "A red fox trotting through fresh snow at sunrise, telephoto, slow motion",
    "Cyberpunk alley with holographic koi fish swimming through the rain",
    "A glass greenhouse floating above clouds, soft morning light, 35mm",
    "Close-up of coffee being poured in slow motion, steam, dark background",
    "Origami cranes taking flight from an open book, paper texture, macro",
    "A tiny robot watering a bonsai tree on a windowsill, Pixar style",
    "Waves crashing on black sand under a purple aurora, long exposure",
    "Hot air balloons over Cappadocia at dawn, drone shot, gentle drift",
]
DEMO_PROVIDERS = ["pixverse", "sora", "runway"]
FAILURE_RATE = 0.25


class DemoProvider(Provider):
    """Simulates a provider: progress in steps, random failures, cancel support.

    ``generation.params["demo"]`` can fix the behaviour (tests): ``steps``,
    ``step_seconds`` and ``outcome`` ("complete" or a failure code from ``FAILURES``).
    """

    def run(self, generation: Generation, report: Report) -> Any:
        demo = dict(generation.params.get("demo", {}))
        steps = int(demo.get("steps", random.randint(6, 10)))
        step_seconds = float(demo.get("step_seconds", random.uniform(0.6, 1.4)))
        outcome = demo.get("outcome")
        if outcome is None:
            outcome = random.choice(FAILURES)[0] if random.random() < FAILURE_RATE else "complete"
        fail_at = steps // 2 + 1 if outcome != "complete" else None
        done = (generation.progress or 0) * steps // 100  # a resumed job goes on from there
        for step in range(done + 1, steps + 1):
            time.sleep(step_seconds)  # the "provider" is rendering
            if step == fail_at:
                message = dict(FAILURES).get(outcome, f"Demo failure {outcome}.")
                raise ProviderError(message, code=outcome)
            report(min(99, round(100 * step / steps)))  # raises CancelRequested when asked
        return None

    def cancel(self, generation: Generation) -> bool:
        # Not confirmed here: run() stops at its next report() (within a step), which
        # marks the generation cancelled.
        return False


class ThreadedBackend(ImmediateBackend):
    """Runs each task in a daemon thread after a queue wait: one process, no worker.

    ``OPTIONS = {"QUEUE_WAIT": (min_seconds, max_seconds)}``. Demo only: tasks are lost
    when the process stops.
    """

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> None:  # type: ignore[override]  # demo: no result kept
        """Start the task in a thread; the result is not kept (returns None)."""
        self.validate_task(task)
        low, high = self.options.get("QUEUE_WAIT", (1.0, 3.0))
        wait = random.uniform(low, high)

        def run() -> None:
            time.sleep(wait)  # a busy provider queue
            try:
                super(ThreadedBackend, self).enqueue(task, args, kwargs)
            finally:
                connection.close()

        threading.Thread(target=run, name=f"demo-{task.name}{args}", daemon=True).start()


def start_demo_job(owner: Any, *, provider: str | None = None, **demo: Any) -> Generation:
    """Create a placeholder asset and a demo generation, and submit it after commit."""
    provider = provider or random.choice(DEMO_PROVIDERS)
    prompt = random.choice(PROMPTS)
    kind = Asset.Kind.VIDEO if provider == "sora" else Asset.Kind.IMAGE
    with transaction.atomic():
        asset = Asset.objects.create(owner=owner, title=prompt, kind=kind, provider=provider)
        generation = lifecycle.create_generation(
            provider=provider,
            operation_type="text_to_video" if kind == Asset.Kind.VIDEO else "text_to_image",
            prompt=prompt,
            params={"seed": random.randrange(10**6), "aspect_ratio": "16:9", "demo": demo},
            asset=asset,
            owner=owner,
        )
        providers.submit_on_commit(generation)
    return generation


def resume_demo_jobs() -> list[int]:
    """Run the active demo jobs found in the database to an end: those ``seed_demo`` made
    and those a stopped server left. Pending ones are submitted, queued ones enqueued,
    processing ones go on from their progress in a thread. Called by ``manage.py rundemo``
    when the server starts (the threads live in the server's process)."""
    resumed = []
    for generation in Generation.objects.filter(status__in=ACTIVE).order_by("created_at", "id"):
        if not isinstance(providers.get_provider(generation.provider), DemoProvider):
            continue
        if generation.status == Status.PENDING:
            providers.submit(generation)
        elif generation.status == Status.QUEUED:
            from genstatus import tasks

            tasks.enqueue_run(generation)
        else:
            threading.Thread(target=_go_on, args=[generation.pk], daemon=True).start()
        resumed.append(generation.pk)
    return resumed


def _go_on(pk: int) -> None:
    """The thread of a resumed processing job."""
    try:
        finish_processing(pk)
    finally:
        connection.close()


def finish_processing(pk: int) -> None:
    """Finish a processing demo job whose worker thread is gone (a restarted server)."""
    try:
        generation = Generation.objects.get(pk=pk)
        try:
            DemoProvider().run(generation, Report(generation))
        except CancelRequested:
            lifecycle.mark_cancelled(generation, message="Stopped on request.")
        except ProviderError as exc:
            lifecycle.mark_failed(generation, exc.message, code=exc.code)
        else:
            lifecycle.mark_completed(generation)
    except (InvalidTransition, providers.GenerationGone, Generation.DoesNotExist):
        pass  # cancelled, reaped or deleted meanwhile: nothing left to do

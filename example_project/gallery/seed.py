"""The demo's seed data: a week of history that looks like a real library.

Assets are spread over the last days; each generation's history (created, queued,
started, finished) is timed like its provider (sora renders for minutes, pixverse for
seconds); some failed jobs were retried, a few more than once; the active jobs are
recent and run to an end once the demo server starts (``gallery.providers.resume_demo_jobs``).

The lifecycle writes every row and event as the real code does, at the current time;
``backdate()`` then moves the timestamps to the story's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from gallery.models import Asset
from gallery.providers import FAILURES as PROVIDER_FAILURES
from genstatus import lifecycle
from genstatus.models import Generation, GenerationEvent
from genstatus.states import ACTIVE, TERMINAL, Status

PROMPTS = [
    "A lighthouse on a basalt cliff at dusk, volumetric fog, 35mm film grain",
    "Macro shot of dew on a spider web, morning backlight, shallow depth of field",
    "An astronaut tending a greenhouse on Mars, warm interior light, wide angle",
    "Isometric cutaway of a cozy bookshop with a cat sleeping on the counter",
    "Drone flight over terraced rice fields after rain, slow push forward",
    "Neon-lit ramen stall in the rain, reflections on wet asphalt, cinematic",
    "Watercolour map of an imaginary archipelago with hand-lettered names",
    "A paper boat sailing down a gutter stream, tilt-shift, golden hour",
    "Portrait of an old fisherman mending nets, Rembrandt lighting",
    "Timelapse of clouds rolling over a mountain pass, 8 seconds, 24 fps",
    "Product shot of a ceramic teapot on linen, soft window light",
    "Aurora over a frozen lake with a lone cabin, long exposure",
]
FAILURES = [
    *PROVIDER_FAILURES,
    ("timeout", "Provider did not return a result within 600 s."),
]
PROVIDERS = ["pixverse", "sora", "runway"]
# seconds a job renders, by provider: a video model takes minutes, an image one seconds
RENDER_SECONDS = {"pixverse": (12, 45), "runway": (40, 150), "sora": (120, 420)}
QUEUE_SECONDS = (2, 90)
HISTORY_DAYS = 6
# the demo user's 24 assets: mostly done, a few failed or cancelled, six still running
PLAN = [
    "completed", "completed", "failed", "completed", "processing", "completed",
    "cancelled", "queued", "completed", "failed", "pending", "completed",
]  # fmt: skip
ALICE_PLAN = ["completed", "failed", "processing", "completed"]
# asset index -> failed attempts retried before the attempt that ends in the plan's status
RETRIED = {3: 1, 8: 2, 13: 1, 17: 1, 25: 1}


@dataclass
class Timeline:
    """When each step of one attempt happened."""

    created: datetime
    queued: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    retried: datetime | None = None

    def at(self, event: GenerationEvent) -> datetime:
        """The time of one of the attempt's events."""
        if event.kind == GenerationEvent.Kind.CREATED:
            return self.created
        if event.kind == GenerationEvent.Kind.RETRIED:
            return self.retried or self.last
        if event.kind == GenerationEvent.Kind.CANCEL_REQUESTED:
            return self.queued or self.created
        by_status: dict[str, datetime | None] = {
            Status.QUEUED: self.queued,
            Status.PROCESSING: self.started,
        }
        return by_status.get(event.to_status) or self.finished or self.last

    @property
    def last(self) -> datetime:
        return self.retried or self.finished or self.started or self.queued or self.created


def seed(demo: Any, alice: Any, assets: int, rng: random.Random) -> None:
    """``assets`` assets for ``demo`` (the PLAN in turn) and four for ``alice``."""
    now = timezone.now()
    owners = [(demo, PLAN[i % len(PLAN)]) for i in range(assets)]
    owners += [(alice, status) for status in ALICE_PLAN]
    for i, (owner, status) in enumerate(owners):
        if status in ACTIVE:  # running now: started in the last minutes
            start = now - timedelta(seconds=rng.uniform(20, 240))
        else:  # history: spread over the last days, the first asset the oldest
            age = (len(owners) - i - rng.uniform(0, 0.8)) / len(owners) * HISTORY_DAYS * 86400
            start = now - timedelta(seconds=age + 600)
        asset_with_history(owner, i, status, start, rng)


def asset_with_history(
    owner: Any, i: int, status: str, start: datetime, rng: random.Random
) -> Generation:
    provider = rng.choice(PROVIDERS)
    kind = Asset.Kind.VIDEO if provider == "sora" else Asset.Kind.IMAGE
    prompt = PROMPTS[i % len(PROMPTS)]
    asset = Asset.objects.create(owner=owner, title=prompt, kind=kind, provider=provider)
    Asset.objects.filter(pk=asset.pk).update(created_at=start)
    generation = lifecycle.create_generation(
        provider=provider,
        operation_type="text_to_video" if kind == Asset.Kind.VIDEO else "text_to_image",
        prompt=prompt,
        asset=asset,
        owner=owner,
        params={
            "seed": rng.randrange(10**6),
            "aspect_ratio": "16:9" if kind == Asset.Kind.VIDEO else "4:3",
        },
    )
    created = start
    for _ in range(RETRIED.get(i, 0)):  # failed attempts, each retried by the owner
        timeline = finished_timeline(created, provider, rng)
        code, message = failure(generation, rng)
        lifecycle.mark_queued(generation, provider_job_id=job_id(rng))
        lifecycle.mark_processing(generation)
        lifecycle.mark_failed(generation, message, code=code)
        attempt = lifecycle.retry(generation, actor=owner)
        assert timeline.finished is not None
        timeline.retried = timeline.finished + timedelta(seconds=rng.uniform(30, 1800))
        backdate(generation, timeline)
        generation, created = attempt, timeline.retried
    advance(generation, status, rng)
    backdate(generation, timeline_for(generation, created, rng))
    return generation


def job_id(rng: random.Random) -> str:
    return f"job-{rng.randrange(10**8):08d}"


def advance(generation: Generation, status: str, rng: random.Random) -> None:
    """Walk a pending generation through the lifecycle to ``status``."""
    if status == Status.PENDING:
        return
    if status == Status.CANCELLED:
        lifecycle.mark_queued(generation, provider_job_id=job_id(rng))
        lifecycle.request_cancel(generation, actor=generation.owner)
        return
    lifecycle.mark_queued(generation, provider_job_id=job_id(rng))
    if status == Status.QUEUED:
        return
    lifecycle.mark_processing(generation)
    if status == Status.PROCESSING:
        lifecycle.report_progress(generation, rng.randrange(10, 60))
    elif status == Status.COMPLETED:
        lifecycle.mark_completed(generation)
    elif status == Status.FAILED:
        code, message = failure(generation, rng)
        lifecycle.mark_failed(generation, message, code=code)


def failure(generation: Generation, rng: random.Random) -> tuple[str, str]:
    """A provider error that fits the job (an aspect-ratio error is a video's)."""
    fitting = [
        (code, message)
        for code, message in FAILURES
        if generation.operation_type in message or "_to_" not in message
    ]
    return fitting[rng.randrange(len(fitting))]


def finished_timeline(created: datetime, provider: str, rng: random.Random) -> Timeline:
    """A job that went through the queue and rendered for its provider's time."""
    queued = created + timedelta(seconds=rng.uniform(0.2, 1.5))
    started = queued + timedelta(seconds=rng.uniform(*QUEUE_SECONDS))
    finished = started + timedelta(seconds=rng.uniform(*RENDER_SECONDS[provider]))
    return Timeline(created=created, queued=queued, started=started, finished=finished)


def timeline_for(generation: Generation, created: datetime, rng: random.Random) -> Timeline:
    """The timeline of ``generation``'s attempt as it stands (active ones: up to now)."""
    full = finished_timeline(created, generation.provider, rng)
    if generation.status == Status.PENDING:
        return Timeline(created=created)
    if generation.status in (Status.QUEUED, Status.CANCELLED):
        timeline = Timeline(created=created, queued=full.queued)
        if generation.status == Status.CANCELLED:
            assert full.queued is not None
            timeline.finished = full.queued + timedelta(seconds=rng.uniform(5, 60))
        return timeline
    if generation.status == Status.PROCESSING:  # started a little after it was created
        started = created + (timezone.now() - created) * rng.uniform(0.2, 0.5)
        return Timeline(created=created, queued=full.queued, started=started)
    return full


def backdate(generation: Generation, timeline: Timeline) -> None:
    """Move ``generation``'s row and events to the times of ``timeline``."""
    for event in generation.events.all():
        GenerationEvent.objects.filter(pk=event.pk).update(created_at=timeline.at(event))
    generation.refresh_from_db()
    ended = timeline.finished if generation.status in TERMINAL else None
    Generation.objects.filter(pk=generation.pk).update(
        created_at=timeline.created,
        updated_at=timeline.last,
        started_at=timeline.started,
        finished_at=ended,
        heartbeat_at=timeline.started and (ended or timeline.started),
        cancel_requested_at=timeline.last if generation.cancel_requested_at else None,
    )

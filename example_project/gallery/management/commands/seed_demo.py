"""Create the demo users, assets and generations in every state (idempotent)."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.conf import genstatus_settings
from genstatus.models import Generation

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"

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
    ("content_policy", "Prompt rejected by the provider's content policy (code 4012)."),
    ("timeout", "Provider did not return a result within 600 s."),
    ("quota", "Monthly generation quota exceeded for this API key."),
]
PLAN = ["pending", "queued", "processing", "completed", "failed", "cancelled"]


class Command(BaseCommand):
    help = "Seed the example gallery with users, assets and generations in every state."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--assets", type=int, default=24, help="assets for the demo user")
        parser.add_argument("--reset", action="store_true", help="delete existing demo data")

    def handle(self, *args: Any, assets: int, reset: bool, **options: Any) -> None:
        rng = random.Random(7)
        user_model = get_user_model()
        if reset:
            Generation.objects.all().delete()
            Asset.objects.all().delete()
        demo, created = user_model.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            demo.set_password(DEMO_PASSWORD)
            demo.save()
        alice, created = user_model.objects.get_or_create(username="alice")
        if created:
            alice.set_password("alice")
            alice.save()
        if Asset.objects.exists():
            self.stdout.write("Demo data already present (use --reset to recreate).")
            return
        # Seeded rows are history, not jobs: a retry in it must not reach the demo provider.
        history_only = dict.fromkeys(genstatus_settings.PROVIDERS)
        with override_settings(GENSTATUS_PROVIDERS=history_only), transaction.atomic():
            for i in range(assets):
                self._asset_with_history(demo, i, PLAN[i % len(PLAN)], rng)
            for i in range(4):
                self._asset_with_history(alice, i + assets, PLAN[(i * 2) % len(PLAN)], rng)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {Asset.objects.count()} assets and "
                f"{Generation.objects.count()} generations."
            )
        )

    def _asset_with_history(self, owner: Any, i: int, status: str, rng: random.Random) -> None:
        provider = ["pixverse", "sora", "runway"][i % 3]
        kind = Asset.Kind.VIDEO if provider == "sora" else Asset.Kind.IMAGE
        prompt = PROMPTS[i % len(PROMPTS)]
        asset = Asset.objects.create(owner=owner, title=prompt[:48], kind=kind, provider=provider)
        operation = "text_to_video" if kind == Asset.Kind.VIDEO else "text_to_image"
        generation = lifecycle.create_generation(
            provider=provider,
            operation_type=operation,
            prompt=prompt,
            asset=asset,
            owner=owner,
            params={"seed": rng.randrange(10**6), "aspect_ratio": "4:3"},
        )
        if i % 12 == 10:  # a failed attempt that was retried: the badge follows the retry
            lifecycle.mark_failed(generation, FAILURES[1][1], code=FAILURES[1][0])
            generation = lifecycle.retry(generation, actor=owner)
        advance(generation, status, rng)


def advance(generation: Generation, status: str, rng: random.Random) -> None:
    """Walk a pending generation through the lifecycle to ``status``."""
    if status == "pending":
        return
    if status == "cancelled":
        lifecycle.mark_queued(generation)
        lifecycle.request_cancel(generation)
        return
    lifecycle.mark_queued(generation, provider_job_id=f"job-{rng.randrange(10**8):08d}")
    if status == "queued":
        return
    lifecycle.mark_processing(generation)
    if status == "processing":
        lifecycle.report_progress(generation, rng.randrange(10, 90))
    elif status == "completed":
        lifecycle.mark_completed(generation)
    elif status == "failed":
        code, message = FAILURES[rng.randrange(len(FAILURES))]
        lifecycle.mark_failed(generation, message, code=code)

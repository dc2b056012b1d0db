"""Create the demo users, assets and generations in every state (idempotent)."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from gallery.models import Asset
from gallery.seed import seed
from genstatus.conf import genstatus_settings
from genstatus.models import Generation

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
ALICE_USERNAME = "alice"
ALICE_PASSWORD = "alice"


class Command(BaseCommand):
    help = (
        "Seed the example gallery: demo / demo (staff, sees everybody's jobs) and alice / "
        "alice (her own four), with a week of generations in every state."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--assets", type=int, default=24, help="assets for the demo user")
        parser.add_argument("--reset", action="store_true", help="delete existing demo data")

    def handle(self, *args: Any, assets: int, reset: bool, **options: Any) -> None:
        if reset:
            Generation.objects.all().delete()
            Asset.objects.all().delete()
        demo = user(DEMO_USERNAME, DEMO_PASSWORD, is_staff=True, is_superuser=True)
        alice = user(ALICE_USERNAME, ALICE_PASSWORD)
        if Asset.objects.exists():
            self.stdout.write("Demo data already present (use --reset to recreate).")
            return
        # Seeded rows are written as history: nothing reaches the demo provider while
        # seeding (a retry would submit its attempt). The active ones run once the demo
        # server starts (`manage.py rundemo`, gallery.providers.resume_demo_jobs).
        history_only = dict.fromkeys(genstatus_settings.PROVIDERS)
        with override_settings(GENSTATUS_PROVIDERS=history_only), transaction.atomic():
            seed(demo, alice, assets, random.Random(7))
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {Asset.objects.count()} assets and "
                f"{Generation.objects.count()} generations."
            )
        )


def user(username: str, password: str, **flags: bool) -> Any:
    """The demo user ``username``, created with ``password`` if missing."""
    account, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
    if created:
        account.set_password(password)
        account.save()
    return account

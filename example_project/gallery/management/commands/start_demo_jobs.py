"""Start simulated generation jobs (gallery.providers.DemoProvider) for a user."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gallery.providers import FAILURES, start_demo_job
from genstatus.models import Generation
from genstatus.states import TERMINAL


class Command(BaseCommand):
    help = (
        "Start demo generation jobs. In the demo server they run in its own threads; from "
        "this command they run in this process, so it waits until they finish."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=3)
        parser.add_argument("--user", default="demo")
        parser.add_argument(
            "--outcome",
            choices=["complete", *(code for code, _ in FAILURES)],
            help="force the result (default: random, mostly complete)",
        )
        parser.add_argument(
            "--step-seconds", type=float, help="length of each of the ~8 progress steps"
        )
        parser.add_argument("--timeout", type=float, default=120, help="seconds to wait")

    def handle(
        self,
        *args: Any,
        count: int,
        user: str,
        outcome: str | None,
        step_seconds: float | None,
        timeout: float,
        **options: Any,
    ) -> None:
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user {user!r}; run `manage.py seed_demo` first.")
        demo: dict[str, Any] = {} if outcome is None else {"outcome": outcome}
        if step_seconds is not None:
            demo["step_seconds"] = step_seconds
        started = [start_demo_job(owner, **demo).pk for _ in range(count)]
        self.stdout.write(f"Started demo jobs {', '.join(f'#{pk}' for pk in started)}.")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = dict(Generation.objects.filter(pk__in=started).values_list("pk", "status"))
            if all(status in TERMINAL for status in rows.values()):
                break
            time.sleep(0.2)
        for pk in started:
            generation = Generation.objects.get(pk=pk)
            self.stdout.write(f"#{pk} {generation.provider}: {generation.status}")

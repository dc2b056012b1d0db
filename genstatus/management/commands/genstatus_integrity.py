"""``manage.py genstatus_integrity``: report generations whose status disagrees with
their event history. Exits with status 1 when it finds any (for cron and CI)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from genstatus.integrity import find_mismatches


class Command(BaseCommand):
    help = "Check that every generation's status equals its last event's target status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--limit", type=int, default=100, help="mismatches to print")

    def handle(self, *args: Any, batch_size: int, limit: int, **options: Any) -> None:
        found = 0
        for mismatch in find_mismatches(batch_size=batch_size):
            found += 1
            if found <= limit:
                self.stdout.write(str(mismatch))
        if found:
            raise CommandError(f"{found} generation(s) disagree with their event history.")
        self.stdout.write(self.style.SUCCESS("Every generation matches its last event."))

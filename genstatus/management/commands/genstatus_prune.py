"""``manage.py genstatus_prune``: delete old terminal generations in batches."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from genstatus.maintenance import prune


def days(value: str) -> timedelta | None:
    """A number of days, or "never"."""
    if value.lower() in {"never", "none"}:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a number of days or 'never'") from None
    if number < 0:
        raise ArgumentTypeError("the age must not be negative")
    return timedelta(days=number)


class Command(BaseCommand):
    help = (
        "Delete completed, failed and cancelled generations older than the given ages "
        "(defaults: GENSTATUS_PRUNE_COMPLETED, GENSTATUS_PRUNE_FAILED), with their events. "
        "Each asset's newest generation is kept so badges never change."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--completed-days", type=days, default=True, help="age in days, or 'never'"
        )
        parser.add_argument(
            "--failed-days",
            type=days,
            default=True,
            help="age in days for failed and cancelled rows, or 'never'",
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(
        self,
        *args: Any,
        completed_days: timedelta | bool | None,
        failed_days: timedelta | bool | None,
        batch_size: int,
        dry_run: bool,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        result = prune(
            completed_after=completed_days,
            failed_after=failed_days,
            batch_size=batch_size,
            dry_run=dry_run,
        )
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {result.total} generation(s): {result.completed} completed, "
            f"{result.failed} failed or cancelled."
        )

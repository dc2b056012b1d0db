"""``manage.py genstatus_reap``: fail stale and lost jobs, finish overdue cancel requests."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from genstatus.maintenance import reap


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{pk}" for pk in ids) or "none"


class Command(BaseCommand):
    help = (
        "Fail processing generations whose heartbeat is older than GENSTATUS_STALE_AFTER "
        "(code 'stale') and pending or queued ones older than GENSTATUS_QUEUED_STALE_AFTER "
        "(code 'lost'), and cancel those whose cancel request is older than "
        "GENSTATUS_CANCEL_GRACE. Run it every minute or so (cron, a periodic task)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows read per query (default 500)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would change, change nothing"
        )

    def handle(self, *args: Any, batch_size: int, dry_run: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        result = reap(dry_run=dry_run, batch_size=batch_size)
        fail, cancel = ("Would fail", "Would cancel") if dry_run else ("Failed", "Cancelled")
        self.stdout.write(
            f"{fail} {len(result.stale)} stale generation(s): {_ids(result.stale)}. "
            f"{cancel} {len(result.cancelled)} past the grace period: {_ids(result.cancelled)}. "
            f"{fail} {len(result.lost)} lost pending or queued generation(s): "
            f"{_ids(result.lost)}."
        )

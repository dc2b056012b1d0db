"""``manage.py genstatus_reap``: fail stale jobs and finish overdue cancel requests."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from genstatus.maintenance import reap


class Command(BaseCommand):
    help = (
        "Fail processing generations whose heartbeat is older than GENSTATUS_STALE_AFTER "
        "(code 'stale') and cancel those whose cancel request is older than "
        "GENSTATUS_CANCEL_GRACE. Run it every minute or so (cron, a periodic task)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reap()
        stale = ", ".join(f"#{pk}" for pk in result.stale) or "none"
        cancelled = ", ".join(f"#{pk}" for pk in result.cancelled) or "none"
        self.stdout.write(
            f"Failed {len(result.stale)} stale generation(s): {stale}. "
            f"Cancelled {len(result.cancelled)} past the grace period: {cancelled}."
        )

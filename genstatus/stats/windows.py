"""The windows the Statistics page and the metrics look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Window:
    """A window ending now: its slug (``?window=24h``), label, length, and the width of
    one bar of its chart (buckets aligned on multiples of ``step`` since the epoch, UTC)."""

    slug: str
    label: str | Promise
    span: timedelta
    step: timedelta

    def start(self, now: datetime) -> datetime:
        return now - self.span


WINDOWS: tuple[Window, ...] = (
    Window("1h", _("Last hour"), timedelta(hours=1), timedelta(minutes=5)),
    Window("24h", _("Last 24 hours"), timedelta(hours=24), timedelta(hours=1)),
    Window("7d", _("Last 7 days"), timedelta(days=7), timedelta(hours=6)),
    Window("30d", _("Last 30 days"), timedelta(days=30), timedelta(days=1)),
)
DEFAULT_WINDOW = "24h"


def window_of(slug: str | None) -> Window:
    """The window named ``slug``; the default (24 h) for anything else."""
    for window in WINDOWS:
        if window.slug == slug:
            return window
    return window_of(DEFAULT_WINDOW)

"""How the panel prints times, durations and prompt previews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

ZERO = timedelta(0)


def timestamp(value: datetime) -> dict[str, str]:
    """ISO 8601 for ``<time datetime>`` and a readable UTC text for the hover title."""
    # isoformat() is C and a third of strftime's cost: "YYYY-MM-DDTHH:MM:SS…"[:19]; a
    # value in UTC already (what the database gives) needs no astimezone() and one call
    iso = value.isoformat()
    if value.utcoffset() == ZERO:
        text = iso[:19].replace("T", " ")
    else:
        text = value.astimezone(UTC).isoformat(" ", "seconds")[:19]
    return {"iso": iso, "text": f"{text} UTC"}


@dataclass(frozen=True)
class Texts:
    """The translated texts of times and previews, looked up once per page (``active()``)
    rather than once per row: every ``gettext`` goes through the active translation."""

    just_now: str
    minutes: str
    hours: str
    days: str
    truncation: str

    @classmethod
    def active(cls) -> Texts:
        return cls(
            just_now=_("just now"),
            minutes=_("%(amount)dm ago"),
            hours=_("%(amount)dh ago"),
            days=_("%(amount)dd ago"),
            truncation=pgettext("String to return when truncating text", "%(truncated_text)s…"),
        )


def time_ago(
    value: datetime | None, now: datetime | None = None, texts: Texts | None = None
) -> str:
    """ "just now", "5m ago", "2h ago", "3d ago", then the date."""
    if value is None:
        return ""
    texts = texts or Texts.active()
    seconds = int(((now or timezone.now()) - value).total_seconds())
    if seconds < 60:
        return texts.just_now
    if seconds >= 86_400:
        days = seconds // 86_400
        if days > 30:
            return value.date().isoformat()
        return texts.days % {"amount": days}
    if seconds >= 3_600:
        return texts.hours % {"amount": seconds // 3_600}
    return texts.minutes % {"amount": max(1, round(seconds / 60))}


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {seconds}s"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{value.total_seconds():.1f}s"


def preview(text: str, length: int, texts: Texts | None = None) -> str:
    """``Truncator(text).chars(length)``, without its per-character loop for ASCII text.

    ASCII text has no combining characters and is already NFC, so the cut is a slice.
    """
    if text.isascii():
        if len(text) <= length:
            return text
        tail = (texts or Texts.active()).truncation
        return add_truncation_text(text[: calculate_truncate_chars_length(length, tail)], tail)
    return Truncator(text).chars(length)

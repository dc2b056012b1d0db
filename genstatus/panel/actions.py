"""Retry and cancel, one row or many, through ``genstatus.lifecycle``; summarised as
"3 retried, 2 skipped: already completed"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from genstatus import lifecycle
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.models import Generation
from genstatus.states import ACTIVE, RETRYABLE, TERMINAL


def can_retry(generation: Generation) -> bool:
    """Failed or cancelled and not retried yet (needs ``retried_as`` selected)."""
    if generation.status not in RETRYABLE:
        return False
    try:
        generation.retried_as  # noqa: B018 - the reverse one-to-one raises when missing
    except Generation.DoesNotExist:
        return True
    return False


def can_cancel(generation: Generation) -> bool:
    return generation.status in ACTIVE and generation.cancel_requested_at is None


ACTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    # name -> (past tense for the summary, lifecycle call)
    "retry": ("retried", lifecycle.retry),
    "cancel": ("cancelled", lifecycle.request_cancel),
}


def skip_reason(error: InvalidTransition) -> str:
    """Why a row was skipped, in a few words for the summary message."""
    if isinstance(error, RetryLimitReached):
        return _("retry limit reached")
    if error.requested == "retry":
        if error.status in RETRYABLE:
            return _("already retried")
        if error.status in TERMINAL:
            return _("already %(status)s") % {"status": error.status}
        return _("still running")
    if error.status in TERMINAL:
        return _("already %(status)s") % {"status": error.status}
    return _("not allowed")


@dataclass
class BulkResult:
    action: str
    done: list[Generation] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def message(self) -> str:
        """E.g. "3 retried, 2 skipped: already completed"."""
        verb = ACTIONS[self.action][0]
        text = f"{len(self.done)} {verb}"
        total_skipped = sum(self.skipped.values())
        if total_skipped:
            if len(self.skipped) == 1:
                reasons = next(iter(self.skipped))
            else:
                reasons = ", ".join(
                    f"{count} {reason}" for reason, count in self.skipped.most_common()
                )
            text += ", " + ngettext(
                "%(count)d skipped: %(reasons)s", "%(count)d skipped: %(reasons)s", total_skipped
            ) % {"count": total_skipped, "reasons": reasons}
        return text


def run_bulk(
    action: str,
    generations: Iterable[Generation],
    *,
    actor: Any,
    missing: int = 0,
) -> BulkResult:
    """Apply ``action`` ("retry" or "cancel") to each generation through the lifecycle.

    ``missing`` counts requested ids that do not exist or are not visible to the actor.
    """
    _verb, call = ACTIONS[action]
    result = BulkResult(action)
    for generation in generations:
        try:
            call(generation, actor=actor)
        except InvalidTransition as error:
            result.skipped[skip_reason(error)] += 1
        else:
            result.done.append(generation)
    if missing:
        result.skipped[_("not found")] += missing
    return result

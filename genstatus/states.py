"""Generation statuses, the transition table and display data: the whole state machine.

Active = pending, queued, processing. Terminal = completed, failed, cancelled.
Terminal states never change; a retry creates a new attempt (see ``lifecycle.retry``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE: frozenset[str] = frozenset({Status.PENDING, Status.QUEUED, Status.PROCESSING})
TERMINAL: frozenset[str] = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED})
RETRYABLE: frozenset[str] = frozenset({Status.FAILED, Status.CANCELLED})

# from -> the states it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.QUEUED, Status.PROCESSING, Status.FAILED, Status.CANCELLED}),
    Status.QUEUED: frozenset({Status.PROCESSING, Status.FAILED, Status.CANCELLED}),
    Status.PROCESSING: frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Groups used by the gallery filter, the panel tabs and the API's ``status`` filter.
GROUPS: dict[str, frozenset[str]] = {
    "active": ACTIVE,
    "failed": frozenset({Status.FAILED}),
    "completed": frozenset({Status.COMPLETED}),
    "cancelled": frozenset({Status.CANCELLED}),
}


@dataclass(frozen=True)
class Tab:
    """A tab of the Generations panel: its slug, label and the ``status`` filter value it
    applies ("" for all; otherwise a key of ``GROUPS``)."""

    slug: str
    label: str | Promise
    group: str = ""

    @property
    def statuses(self) -> frozenset[str]:
        return GROUPS[self.group] if self.group else frozenset(Status.values)


TABS: tuple[Tab, ...] = (
    Tab("all", _("All")),
    Tab("active", _("Active"), "active"),
    Tab("failed", _("Failed"), "failed"),
    Tab("completed", _("Completed"), "completed"),
    Tab("cancelled", _("Cancelled"), "cancelled"),
)


def statuses_of(value: str) -> frozenset[str]:
    """The statuses a ``status`` filter value stands for: a group ("active") or one status;
    every status for ""."""
    if not value:
        return frozenset(Status.values)
    return GROUPS.get(value, frozenset({value}))


def groups_as_dict() -> dict[str, list[str]]:
    """``GROUPS`` in JSON-ready form, for the browser (the live client's ``hello`` frame)."""
    return {name: sorted(statuses) for name, statuses in GROUPS.items()}


def sources_of(target: str) -> frozenset[str]:
    """The states from which ``target`` may be reached."""
    return frozenset(src for src, targets in TRANSITIONS.items() if target in targets)


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def is_terminal(status: str) -> bool:
    """True for completed, failed and cancelled: such a generation never changes again."""
    return status in TERMINAL


def is_active(status: str) -> bool:
    return status in ACTIVE


@dataclass(frozen=True)
class StatusDisplay:
    """How a status looks: the seed's ``getGenerationStatusDisplay`` result."""

    status: str
    label: str | Promise
    icon: str  # name of the SVG in templates/genstatus/icons/
    color: str  # yellow | blue | green | red | gray, a CSS modifier class
    description: str | Promise
    spinning: bool = False

    def as_dict(self) -> dict[str, object]:
        # field by field: dataclasses.asdict deep-copies the lazy texts, a cost paid by
        # every published change
        return {
            "status": self.status,
            "label": str(self.label),
            "icon": self.icon,
            "color": self.color,
            "description": str(self.description),
            "spinning": self.spinning,
        }


DISPLAY: dict[str, StatusDisplay] = {
    Status.PENDING: StatusDisplay(
        Status.PENDING, _("Pending"), "clock", "yellow", _("Waiting to start")
    ),
    Status.QUEUED: StatusDisplay(Status.QUEUED, _("Queued"), "layers", "blue", _("In queue")),
    Status.PROCESSING: StatusDisplay(
        Status.PROCESSING,
        _("Processing"),
        "loader",
        "blue",
        _("Generation in progress"),
        spinning=True,
    ),
    Status.COMPLETED: StatusDisplay(
        Status.COMPLETED, _("Completed"), "check", "green", _("Generation complete")
    ),
    Status.FAILED: StatusDisplay(
        Status.FAILED, _("Failed"), "alert", "red", _("Generation failed")
    ),
    Status.CANCELLED: StatusDisplay(
        Status.CANCELLED, _("Cancelled"), "x", "gray", _("Generation cancelled")
    ),
}


def status_display(status: str) -> StatusDisplay:
    """Label, icon, colour and description of ``status``; ValueError for an unknown one."""
    try:
        return DISPLAY[status]
    except KeyError:
        raise ValueError(
            f"Unknown generation status {status!r}; expected one of {', '.join(Status.values)}."
        ) from None

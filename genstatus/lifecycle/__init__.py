"""Every change to a generation goes through this package: the state machine.

``transition()`` (``core``) is the one entry point for status changes; ``marks`` holds the
host-facing calls built on it, ``requests`` the user's cancel and retry. The package
imports nothing above it (models, states, conf, signals, exceptions): whatever must happen
after a change — a provider's submit or cancel, a live message — hangs on the signals it
sends after commit (``genstatus.receivers``, ``genstatus.live``).
"""

from __future__ import annotations

from genstatus.lifecycle.core import Actor, create_generation, transition
from genstatus.lifecycle.marks import (
    ERROR_CODE_MAX_LENGTH,
    heartbeat,
    mark_cancelled,
    mark_completed,
    mark_failed,
    mark_processing,
    mark_queued,
    report_progress,
)
from genstatus.lifecycle.requests import request_cancel, retry

__all__ = [
    "ERROR_CODE_MAX_LENGTH",
    "Actor",
    "create_generation",
    "heartbeat",
    "mark_cancelled",
    "mark_completed",
    "mark_failed",
    "mark_processing",
    "mark_queued",
    "report_progress",
    "request_cancel",
    "retry",
    "transition",
]

"""Errors raised by the lifecycle functions."""

from __future__ import annotations


class GenstatusError(Exception):
    """Base class of every error genstatus raises on purpose."""


class InvalidTransition(GenstatusError):
    """A lifecycle call asked for a change the state machine does not allow.

    The message names the generation, its current state and what was asked, e.g.
    "Generation 42 is completed; cannot mark it processing (allowed from: pending, queued)."
    """

    def __init__(self, message: str, *, generation_id: object, status: str, requested: str) -> None:
        super().__init__(message)
        self.generation_id = generation_id
        self.status = status
        self.requested = requested


class RetryLimitReached(InvalidTransition):
    """The generation was already retried ``GENSTATUS_MAX_RETRIES`` times."""


class ConditionNotMet(InvalidTransition):
    """The transition is allowed from the current state, but the extra condition it was
    made under no longer holds (e.g. a heartbeat arrived before the reaper's UPDATE)."""

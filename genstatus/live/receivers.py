"""Signal receivers that publish each change (connected in ``GenstatusConfig.ready``).

``lifecycle`` sends its signals from ``on_commit``, so these run after the change is
committed; each one only queues the change (``genstatus.live.publisher``) and returns.
"""

from __future__ import annotations

from typing import Any

from genstatus.live.publisher import publish

DISPATCH_UID = "genstatus.live"


def on_status_changed(sender: Any, generation: Any, kind: str = "", **kwargs: Any) -> None:
    publish(generation, kind or "transition")


def on_created(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "created")


def on_progressed(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "progress")


def on_cancel_requested(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "cancel_requested")


def on_retried(sender: Any, generation: Any, **kwargs: Any) -> None:
    publish(generation, "retried")


def connect_receivers() -> None:
    """Connect the receivers to ``genstatus.signals`` (idempotent: one dispatch uid)."""
    from genstatus import signals

    signals.generation_status_changed.connect(on_status_changed, dispatch_uid=DISPATCH_UID)
    signals.generation_created.connect(on_created, dispatch_uid=DISPATCH_UID)
    signals.generation_progressed.connect(on_progressed, dispatch_uid=DISPATCH_UID)
    signals.generation_cancel_requested.connect(on_cancel_requested, dispatch_uid=DISPATCH_UID)
    signals.generation_retried.connect(on_retried, dispatch_uid=DISPATCH_UID)

"""The wire form of a generation change, and the layer message that carries a batch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from genstatus.states import DISPLAY, status_display

EVENT_TYPE = "genstatus.changes"  # the consumer's hub hands it to ``hub_deliver``
PROMPT_MAX = 500  # characters of the prompt a panel row needs (full text on hover)


def display_dict(status: str) -> dict[str, Any]:
    """Label, icon, colour, description and spinning flag of ``status`` (no status key)."""
    data = status_display(status).as_dict()
    data.pop("status", None)
    return data


def all_displays() -> dict[str, dict[str, Any]]:
    """``display_dict`` of every status, keyed by status (the ``hello`` frame)."""
    return {str(status): display_dict(status) for status in DISPLAY}


def _json_id(value: Any) -> Any:
    return value if value is None or isinstance(value, int) else str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _retried_as_id(generation: Any) -> Any:
    """The id of the attempt that retried ``generation`` when it is already loaded (set by
    ``lifecycle.retry``, or ``select_related("retried_as")``), else None: never a query."""
    descriptor = getattr(type(generation), "retried_as", None)
    if descriptor is None or not descriptor.is_cached(generation):
        return None
    attempt = descriptor.related.get_cached_value(generation)
    return None if attempt is None else _json_id(attempt.pk)


def generation_payload(generation: Any, kind: str = "") -> dict[str, Any]:
    """The wire form of one generation: what a badge or a panel row needs, and no owner."""
    return {
        "generation_id": generation.pk,
        "asset_id": _json_id(generation.asset_id),
        "status": str(generation.status),
        "version": generation.version,
        "progress": generation.progress,
        "error_message": generation.error_message,
        "error_code": generation.error_code,
        "updated_at": _iso(generation.updated_at),
        "created_at": _iso(generation.created_at),
        "provider": generation.provider,
        "operation_type": generation.operation_type,
        "prompt": (generation.prompt or "")[:PROMPT_MAX],
        "retry_count": generation.retry_count,
        "cancel_requested": generation.cancel_requested_at is not None,
        "retried_as": _retried_as_id(generation),
        "kind": kind,
        "display": display_dict(generation.status),
    }


def build_event(changes: Iterable[tuple[dict[str, Any], Any]]) -> dict[str, Any]:
    """One layer message: the changes, their owners (for scoping, never sent to browsers),
    and the frame pre-serialised once for the consumers that forward all of it."""
    items = []
    owners = []
    for payload, owner_id in changes:
        items.append(payload)
        # as text: msgpack (channels-redis) cannot carry a UUID primary key
        owners.append(None if owner_id is None else str(owner_id))
    frame = DjangoJSONEncoder(separators=(",", ":")).encode({"type": "updates", "items": items})
    return {"type": EVENT_TYPE, "items": items, "owners": owners, "frame": frame}

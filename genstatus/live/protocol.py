"""The client frames' parts the server reads (ids, panel filters), each checked here, and
whether a change belongs in a panel. Channels-free: the consumer calls these."""

from __future__ import annotations

from typing import Any

from genstatus import ids
from genstatus.states import statuses_of

# The panel's GenerationFilterSet fields. Live matching of a new row covers the first four;
# a panel filtered by the others gets new rows through its snapshots (resync) only.
PANEL_FILTER_KEYS = (
    "status",
    "provider",
    "operation_type",
    "q",
    "asset",
    "created_after",
    "created_before",
)
LIVE_MATCHED_KEYS = frozenset(PANEL_FILTER_KEYS[:4])
BAD_PANEL = "'panel' is an object: {filters: {...}, since: <id>}."


class ProtocolError(ValueError):
    """A client frame the server cannot use; answered with an ``error`` frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProtocolError("bad_ids", f"'{name}' must be a list of ids.")
    return value


def asset_ids(value: Any, name: str = "assets") -> list[str]:
    """The asset ids of a frame as the text of their primary keys (``genstatus.ids``); an
    id no asset can have stays as sent, and the snapshot answers it like a missing one."""
    out = []
    for raw in _list(value, name):
        try:
            key = ids.asset_id(raw)
        except ids.BadId as error:
            raise ProtocolError("bad_ids", f"{error} (in '{name}')") from None
        out.append(str(raw) if key is None else str(key))
    return out


def generation_ids(value: Any, name: str = "generations") -> list[int]:
    """The generation ids of a frame (``genstatus.ids``); one that no generation can have
    (0, negative, beyond 64 bits) is refused too: a page never holds one."""
    out = []
    for raw in _list(value, name):
        try:
            number = ids.generation_id(raw)
        except ids.BadId as error:
            raise ProtocolError("bad_ids", f"{error} (in '{name}')") from None
        if number is None:
            raise ProtocolError("bad_ids", f"{str(raw)[:40]} is not a generation id in '{name}'.")
        out.append(number)
    return out


def panel(value: Any) -> tuple[dict[str, str], int]:
    """``(filters, since)`` of a ``panel`` subscription (``true`` = no filters), the
    filters validated by the panel's own FilterSet."""
    if value is True:
        value = {}
    if not isinstance(value, dict):
        raise ProtocolError("bad_panel", BAD_PANEL)
    filters = value.get("filters", {})
    since = value.get("since", 0)
    if not isinstance(filters, dict) or not isinstance(since, int) or since < 0:
        raise ProtocolError("bad_panel", BAD_PANEL)
    clean: dict[str, str] = {}
    for key in PANEL_FILTER_KEYS:
        item = filters.get(key)
        if item in (None, ""):
            continue
        if not isinstance(item, str) or len(item) > 200:
            raise ProtocolError("bad_panel", f"Panel filter {key!r} must be a short string.")
        clean[key] = item
    from genstatus.filters import GenerationFilterSet

    filterset = GenerationFilterSet(clean, queryset=None)
    if not filterset.is_valid():
        field, errors = next(iter(filterset.errors.items()))
        raise ProtocolError("bad_panel", f"Panel filter {field!r}: {errors[0]}"[:200])
    return clean, since


def matches(item: dict[str, Any], filters: dict[str, str]) -> bool:
    """Does a changed generation belong in a panel with these filters (the FilterSet's
    rules)? Filters it cannot evaluate on a change (asset ids, dates) say no: such a panel
    picks up new rows from its next snapshot."""
    if not LIVE_MATCHED_KEYS.issuperset(filters):
        return False
    if "status" in filters and item["status"] not in statuses_of(filters["status"]):
        return False
    if "provider" in filters and item["provider"] != filters["provider"]:
        return False
    if "operation_type" in filters and item["operation_type"] != filters["operation_type"]:
        return False
    query = filters.get("q", "").strip().casefold()
    return not query or query in item["prompt"].casefold()

"""The Generations panel: an admin view of every generation a user may see.

- ``pagination``: keyset pages by ``(created_at, id)``, newest first;
- ``counts``: tab counts without ``COUNT(*)`` over the whole table;
- ``rows``: what a row shows (the rows' query and the row template's context);
- ``text``: times, durations and prompt previews as the panel prints them;
- ``actions``: retry and cancel through ``genstatus.lifecycle``, one row or many;
- ``views`` and ``action_views``: the views ``GenerationAdmin.get_urls()`` wires.

The names below stay importable from ``genstatus.panel`` as before.
"""

from __future__ import annotations

from genstatus.panel.actions import (
    ACTIONS,
    BulkResult,
    can_cancel,
    can_retry,
    run_bulk,
    skip_reason,
)
from genstatus.panel.counts import (
    COUNT_CAP,
    ESTIMATE_FACTOR,
    TabCount,
    TabCounts,
    capped_counts,
    compact_number,
    count_tabs,
    count_title,
    planner_estimate,
    planner_estimates,
)
from genstatus.panel.pagination import (
    PER_PAGE,
    BadCursor,
    KeysetPage,
    Matches,
    decode_cursor,
    encode_cursor,
    keyset_page,
    newer_than,
    older_than,
    page_from_matches,
)
from genstatus.panel.text import format_duration, preview, time_ago, timestamp

__all__ = [
    "ACTIONS",
    "COUNT_CAP",
    "ESTIMATE_FACTOR",
    "PER_PAGE",
    "BadCursor",
    "BulkResult",
    "KeysetPage",
    "Matches",
    "TabCount",
    "TabCounts",
    "can_cancel",
    "can_retry",
    "capped_counts",
    "compact_number",
    "count_tabs",
    "count_title",
    "decode_cursor",
    "encode_cursor",
    "format_duration",
    "keyset_page",
    "newer_than",
    "older_than",
    "page_from_matches",
    "planner_estimate",
    "planner_estimates",
    "preview",
    "run_bulk",
    "skip_reason",
    "time_ago",
    "timestamp",
]

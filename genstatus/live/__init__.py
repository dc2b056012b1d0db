"""Live generation status: from a committed change to every socket that may see it.

- ``payload``: the wire form of a change (``generation_payload``, ``display_dict``) and the
  layer message of a batch (``build_event``);
- ``publisher``: the per-process coalescing buffer (``publish``, ``apublish``, ``flush``,
  ``publisher``);
- ``receivers``: the signal receivers that publish (``connect_receivers``);
- ``hub``: the one layer listener per serving event loop, handing batches to sockets;
- ``protocol``: the client frames' ids and panel filters, checked;
- ``snapshots``: what a socket reads from the database (snapshots, the user's standing).

The WebSocket consumer itself is ``genstatus.consumers``; the protocol is in docs/live.md.
"""

from __future__ import annotations

from genstatus.live.hub import Hub, HubMember, hub
from genstatus.live.payload import (
    EVENT_TYPE,
    PROMPT_MAX,
    all_displays,
    build_event,
    display_dict,
    generation_payload,
)
from genstatus.live.publisher import (
    HUB_GROUP,
    Publisher,
    apublish,
    flush,
    publish,
    publisher,
)
from genstatus.live.receivers import (
    connect_receivers,
    on_cancel_requested,
    on_created,
    on_progressed,
    on_retried,
    on_status_changed,
)

__all__ = [
    "EVENT_TYPE",
    "HUB_GROUP",
    "PROMPT_MAX",
    "Hub",
    "HubMember",
    "Publisher",
    "all_displays",
    "apublish",
    "build_event",
    "connect_receivers",
    "display_dict",
    "flush",
    "generation_payload",
    "hub",
    "on_cancel_requested",
    "on_created",
    "on_progressed",
    "on_retried",
    "on_status_changed",
    "publish",
    "publisher",
]

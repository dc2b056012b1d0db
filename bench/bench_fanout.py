"""Fan-out cost in one process: one change handed to N registered sockets.

    .venv/bin/python bench/bench_fanout.py [--sockets 100,1000,10000] [--repeat 300]
        [--owner-sockets 10] [--panels 2]

Real ``GenerationStatusConsumer`` instances, without a network (their ``send`` counts
frames), are registered with one ``Hub``: ``--owner-sockets`` of them belong to the user
who owns the change and watch its asset, ``--panels`` are view-all panel sockets (staff),
and the rest belong to 49 other users, each watching 24 assets of their own. Timed:
``Hub._dispatch`` of one layer message holding one change (indexed: only the interested
sockets are called), and, for comparison, the same message handed to every socket in
turn (what the hub did before the index). Printed: median and p90 per dispatch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.pop("GENSTATUS_REDIS_URL", None)  # the in-memory layer: no network at all
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    import django

    django.setup()


def make_socket(hub: Any, owner: int, assets: list[str], panel: bool, frames: list[int]) -> Any:
    from genstatus.consumers import GenerationStatusConsumer
    from genstatus.models import EVERYBODY, Visibility

    socket = GenerationStatusConsumer()
    socket.scope = {}
    socket._init_state(SimpleNamespace(pk=owner))
    socket.hub = hub
    socket.visibility = EVERYBODY if panel else Visibility(owner_id=owner)

    async def send(text_data: str | None = None, **kwargs: Any) -> None:
        frames[0] += 1

    socket.send = send
    hub.add(socket)
    socket.assets = set(assets)
    hub.interest.follow(socket, assets=assets)
    if panel:
        socket.panel = {}
        socket._index_panel()
    return socket


def event(version: int) -> dict[str, Any]:
    from genstatus.live.payload import build_event

    item = {
        "generation_id": 1,
        "asset_id": "0-0",
        "status": "processing",
        "version": version,
        "progress": version % 100,
        "error_message": "",
        "error_code": "",
        "updated_at": None,
        "created_at": None,
        "provider": "pixverse",
        "operation_type": "text_to_video",
        "prompt": "a prompt",
        "retry_count": 0,
        "cancel_requested": False,
        "retried_as": None,
        "kind": "progress",
        "display": {},
    }
    return build_event([(item, 0)])


async def measure(args: argparse.Namespace, sockets: int) -> dict[str, Any]:
    from channels.layers import InMemoryChannelLayer

    from genstatus.live.hub import Hub

    hub = Hub(asyncio.get_running_loop(), InMemoryChannelLayer())
    frames = [0]
    members = []
    for _ in range(args.owner_sockets):
        members.append(make_socket(hub, 0, ["0-0"], False, frames))
    for i in range(args.panels):
        members.append(make_socket(hub, 1000 + i, [], True, frames))
    for i in range(sockets - len(members)):
        owner = 1 + i % 49
        own = [f"{owner}-{n}" for n in range(24)]
        members.append(make_socket(hub, owner, own, False, frames))
    indexed, everyone = [], []
    version = 1
    for _ in range(args.repeat):
        version += 1
        message = event(version)
        started = time.perf_counter()
        await hub._dispatch(message)
        indexed.append(time.perf_counter() - started)
    for _ in range(args.repeat):  # apart: touching every socket evicts the CPU's caches
        version += 1
        message = event(version)
        started = time.perf_counter()
        everything = list(range(len(message["items"])))
        for member in list(hub.members):  # the hub before its index: every socket, in turn
            await member.hub_deliver(message, everything)
        everyone.append(time.perf_counter() - started)
    hub.stop()
    expected = 2 * args.repeat * (args.owner_sockets + args.panels)
    assert frames[0] == expected, (frames[0], expected)
    return {
        "sockets": sockets,
        "indexed": statistics.median(indexed),
        "indexed_p90": sorted(indexed)[int(0.9 * len(indexed))],
        "everyone": statistics.median(everyone),
        "frames": args.owner_sockets + args.panels,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--owner-sockets", type=int, default=10)
    parser.add_argument("--panels", type=int, default=2)
    args = parser.parse_args()
    setup()
    rows = [asyncio.run(measure(args, int(n))) for n in args.sockets.split(",")]
    base = rows[0]["indexed"]
    print(
        f"One change owned by a user with {args.owner_sockets} sockets watching its asset, "
        f"{args.panels} view-all panel sockets, the other sockets 49 other users' "
        f"(24 assets each); median of {args.repeat} dispatches.\n"
    )
    print(
        "| sockets | frames sent | indexed (median) | indexed (p90) | ÷ first row "
        "| every socket in turn |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['sockets']:,} | {r['frames']} | {1e6 * r['indexed']:,.0f} µs "
            f"| {1e6 * r['indexed_p90']:,.0f} µs | {r['indexed'] / base:.2f} "
            f"| {1e6 * r['everyone']:,.0f} µs |"
        )
    worst = rows[-1]["indexed"] / base
    verdict = "met" if worst <= 2 else "missed"
    print(f"\nTarget: the largest case within 2x of the smallest: {verdict} ({worst:.2f}x).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

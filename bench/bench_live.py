"""Live-update load: N WebSocket clients on one daphne process with the Redis layer.

    .venv/bin/python bench/bench_live.py [--clients 100,1000] [--seconds 10] [--rate 5]
        [--assets 24] [--low-capacity 3] [--resync 10] [--lossy-resync 2] [--settle 15]

Every client is logged in as the same user and watches the same ``--assets`` badges (what
a gallery page subscribes to), so each change reaches every client. A separate OS process
(a "worker") commits ``--rate`` progress changes per second for ``--seconds``, then moves
every generation to a final state (completed or failed). The clients apply updates by
version like live.js and resync every ``--resync`` seconds (live.js: 10 s) while a job
looks active (``--lossy-resync`` in the lossy run).

Printed (Markdown): delivery latency commit -> client p50/p99, changes/s, frames, and
"lost final states": clients whose view differs from the database ``--settle`` seconds
after the last commit (target 0). The last row repeats the smallest run with the layer's
``capacity`` set to ``--low-capacity`` so that the channel layer drops messages, to show
that clients still converge. Needs Redis (``GENSTATUS_REDIS_URL``, default
redis://127.0.0.1:6379/0); PostgreSQL with ``GENSTATUS_DB=postgres``, else a SQLite file.
Exit status 1 when any final state was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "genstatus_bench_live"
ACTIVE = {"pending", "queued", "processing"}
DAPHNE_APP = "tests.live.asgi:application"


def environment(db_name: str) -> dict[str, str]:
    os.environ.setdefault("GENSTATUS_REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.live.server_settings"
    os.environ["GENSTATUS_LIVE_DB_NAME"] = db_name
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "example_project")])
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    return dict(os.environ)


def database_name() -> str:
    if os.environ.get("GENSTATUS_DB") == "postgres":
        return os.environ.get("GENSTATUS_BENCH_DB", BENCH_DB)
    return str(Path(tempfile.mkdtemp(prefix="genstatus-bench-live-")) / "bench.sqlite3")


def prepare_database(name: str) -> None:
    if os.environ.get("GENSTATUS_DB") == "postgres":
        import psycopg

        params = {
            "host": os.environ.get("PGHOST", "127.0.0.1"),
            "port": os.environ.get("PGPORT", "5432"),
            "user": os.environ.get("PGUSER", "postgres"),
            "dbname": os.environ.get("PGDATABASE", "test"),
            "autocommit": True,
        }
        with psycopg.connect(**params) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def free_port() -> int:
    for port in range(8330, 8400):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8330-8399")


def seed(assets: int) -> tuple[Any, list[int], list[int]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from gallery.models import Asset
    from genstatus import lifecycle
    from genstatus.models import Generation

    user, _ = get_user_model().objects.get_or_create(username="bench-live")
    Generation.objects.filter(owner=user).delete()
    Asset.objects.filter(owner=user).delete()
    asset_ids, generation_ids = [], []
    for i in range(assets):
        asset = Asset.objects.create(owner=user, title=f"bench {i}")
        generation = lifecycle.create_generation(
            provider="pixverse", operation_type="text_to_video", asset=asset, owner=user
        )
        lifecycle.mark_processing(generation)
        asset_ids.append(asset.pk)
        generation_ids.append(generation.pk)
    client = Client()
    client.force_login(user)
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return cookie, asset_ids, generation_ids


def database_view(asset_ids: list[int]) -> dict[str, tuple[int, int, str]]:
    from genstatus.mapping import statuses_for_assets

    return {
        str(k): (s.generation_id, s.version, s.status)
        for k, s in statuses_for_assets(asset_ids).items()
    }


class BenchClient:
    """What live.js does for badges: subscribe, apply by version, resync while active."""

    def __init__(self, resync: float) -> None:
        self.view: dict[str, tuple[int, int, str]] = {}
        self.received: list[tuple[int, int, float]] = []  # (generation, version, time)
        self.frames = 0
        self.snapshots = 0
        self.synced = asyncio.Event()
        self.resync = resync
        self.ws: Any = None

    def apply(self, item: dict[str, Any] | None, record: bool) -> None:
        if item is None:
            return
        gid, version = item["generation_id"], item["version"]
        if record:
            self.received.append((gid, version, time.time()))
        key = str(item["asset_id"])
        current = self.view.get(key)
        if current is None or gid > current[0] or (gid == current[0] and version > current[1]):
            self.view[key] = (gid, version, item["status"])

    async def run(self, url: str, origin: str, cookie: str, assets: list[int]) -> None:
        import websockets

        async with websockets.connect(
            url, origin=origin, additional_headers={"Cookie": cookie}, max_queue=None
        ) as ws:
            self.ws = ws
            await ws.send(json.dumps({"type": "subscribe", "assets": assets}))
            resyncer = asyncio.create_task(self._resync_loop())
            try:
                async for raw in ws:
                    frame = json.loads(raw)
                    self.frames += 1
                    if frame["type"] == "updates":
                        for item in frame["items"]:
                            self.apply(item, record=True)
                    elif frame["type"] == "snapshot":
                        self.snapshots += 1
                        for item in frame["assets"].values():
                            self.apply(item, record=False)
                        self.synced.set()
            finally:
                resyncer.cancel()

    async def _resync_loop(self) -> None:
        while True:
            await asyncio.sleep(self.resync * random.uniform(0.8, 1.2))
            if any(status in ACTIVE for _, _, status in self.view.values()):
                await self.ws.send(json.dumps({"type": "resync"}))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace, clients: int, capacity: int) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    cookie, asset_ids, generation_ids = await sync_to_async(seed)(args.assets)
    port = free_port()
    env = {
        **os.environ,
        "GENSTATUS_LIVE_CAPACITY": str(capacity),
        "GENSTATUS_LIVE_PREFIX": f"gs-bench-live-{os.getpid()}-{clients}-{capacity}",
    }
    log = Path(tempfile.gettempdir()) / f"genstatus-bench-daphne-{port}.log"
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), DAPHNE_APP]
    if args.profile:
        command = [sys.executable, __file__, "--profile-daphne", args.profile, *command[3:]]
    daphne = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    procs: list[asyncio.subprocess.Process] = []
    workdir = Path(tempfile.mkdtemp(prefix="genstatus-bench-clients-"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        # The clients run in their own processes, so that the clients' work is not the
        # daphne process's (nor this one's, which only orchestrates).
        shares = [clients // args.client_procs] * args.client_procs
        shares[0] += clients - sum(shares)
        for i, share in enumerate(s for s in shares if s):
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--client-proc",
                    str(workdir / f"clients-{i}"),
                    "--clients",
                    str(share),
                    "--resync",
                    str(args.resync),
                    "--ids",
                    ",".join(map(str, asset_ids)),
                    "--port",
                    str(port),
                    cwd=ROOT,
                    env={**env, "GENSTATUS_BENCH_COOKIE": cookie},
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            )
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 180)
            assert line.strip() == b"synced", line
        print(f"  {clients} clients synced", file=sys.stderr, flush=True)

        records = workdir / "changes.json"
        changer = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--changer",
            str(records),
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
            "--ids",
            ",".join(map(str, generation_ids)),
            cwd=ROOT,
            env=env,
        )
        assert await changer.wait() == 0, "the changer process failed"
        last_commit = time.time()
        commits = {(g, v): t for g, v, t in json.loads(records.read_text())}

        truth = await sync_to_async(database_view)(asset_ids)
        order = json.dumps({"truth": truth, "deadline": last_commit + args.settle}) + "\n"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(order.encode())
            await proc.stdin.drain()
        for proc in procs:
            assert await asyncio.wait_for(proc.wait(), args.settle + 60) == 0
        results = [json.loads((workdir / f"clients-{i}").read_text()) for i in range(len(procs))]
        converged = [r["converged_at"] for r in results]
        converged_after = (
            None if None in converged else max(0.0, max(converged) - last_commit)  # type: ignore[type-var]
        )
        lost = sum(r["lost"] for r in results)
        latencies = [
            t - commits[(g, v)] for r in results for g, v, t in r["received"] if (g, v) in commits
        ]
        progress_changes = len(commits) - len(generation_ids)
        expected = len(commits) * clients
        delivered = len(latencies)
        return {
            "clients": clients,
            "resync": args.resync,
            "capacity": capacity,
            "changes": len(commits),
            "changes_per_s": progress_changes / args.seconds,
            "frames": sum(r["frames"] for r in results),
            "snapshots": sum(r["snapshots"] for r in results),
            "delivered_pct": 100.0 * delivered / expected if expected else 0.0,
            "p50_ms": 1000 * percentile(latencies, 0.50),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            "converged_s": converged_after,
            "lost": lost,
        }
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        daphne.send_signal(signal.SIGINT if args.profile else signal.SIGTERM)
        try:
            daphne.wait(20)
        except subprocess.TimeoutExpired:
            daphne.kill()


async def client_process(
    out: str, clients: int, resync: float, assets: list[int], port: int
) -> None:
    """A process of benchmark clients: connect, report "synced", record, check the view."""
    url, origin = f"ws://127.0.0.1:{port}/ws/genstatus/", f"http://127.0.0.1:{port}"
    cookie = os.environ["GENSTATUS_BENCH_COOKIE"]
    population: list[BenchClient] = []
    tasks: list[asyncio.Task[None]] = []
    for start in range(0, clients, 50):
        batch = [BenchClient(resync) for _ in range(min(50, clients - start))]
        population += batch
        tasks += [asyncio.create_task(c.run(url, origin, cookie, assets)) for c in batch]
        await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in batch)), 120)
    print("synced", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    order = json.loads(await reader.readline())
    truth = {k: tuple(v) for k, v in order["truth"].items()}
    converged_at = None
    while time.time() < order["deadline"]:
        if all(c.view == truth for c in population):
            converged_at = time.time()
            break
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = {
        "received": [r for c in population for r in c.received],
        "frames": sum(c.frames for c in population),
        "snapshots": sum(c.snapshots for c in population),
        "converged_at": converged_at,
        "lost": sum(1 for c in population if c.view != truth),
    }
    Path(out).write_text(json.dumps(result))


def profile_daphne(out: str, argv: list[str]) -> None:
    """daphne under cProfile (``--profile``): SIGINT stops it and writes the profile."""
    import cProfile

    from daphne.cli import CommandLineInterface

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        CommandLineInterface().run(argv)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


def changer(path: str, rate: float, seconds: float, ids: list[int]) -> None:
    """The worker process: progress changes at ``rate``/s, then a final state for each."""
    import django

    django.setup()
    from genstatus import lifecycle, live
    from genstatus.models import Generation

    generations = list(Generation.objects.filter(pk__in=ids).order_by("pk"))
    out: list[tuple[int, int, float]] = []
    total = int(rate * seconds)
    started = time.monotonic()
    for i in range(total):
        generation = generations[i % len(generations)]
        lifecycle.report_progress(generation, (i // len(generations) + 1) % 100)
        out.append((generation.pk, generation.version, time.time()))
        pause = started + (i + 1) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    for i, generation in enumerate(generations):
        if i % 2:
            lifecycle.mark_failed(generation, "bench failure", code="bench")
        else:
            lifecycle.mark_completed(generation)
        out.append((generation.pk, generation.version, time.time()))
    live.flush()
    Path(path).write_text(json.dumps(out))


def markdown(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"{args.assets} badges per client, {args.rate} changes/s for {args.seconds} s from a "
        "separate worker process, then a final state for each.",
        "",
        "| clients | resync | layer capacity | changes/s | frames | snapshots | delivered "
        "| p50 | p99 | all clients = DB after | lost final states |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        converged = "—" if r["converged_s"] is None else f"{r['converged_s']:.2f} s"
        lines.append(
            f"| {r['clients']:,} | {r['resync']:g} s | {r['capacity']:,} "
            f"| {r['changes_per_s']:.1f} "
            f"| {r['frames']:,} | {r['snapshots']:,} | {r['delivered_pct']:.1f}% "
            f"| {r['p50_ms']:.0f} ms "
            f"| {r['p99_ms']:.0f} ms | {converged} | {r['lost']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="100,1000", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=5, help="changes per second")
    parser.add_argument("--assets", type=int, default=24, help="badges each client watches")
    parser.add_argument("--capacity", type=int, default=1000, help="Redis layer capacity")
    parser.add_argument(
        "--low-capacity", type=int, default=3, help="capacity of the lossy run (0: skip it)"
    )
    parser.add_argument("--resync", type=float, default=10.0, help="client resync interval, s")
    parser.add_argument(
        "--lossy-resync", type=float, default=2.0, help="client resync interval of the lossy run"
    )
    parser.add_argument("--settle", type=float, default=15.0, help="seconds allowed to converge")
    parser.add_argument(
        "--client-procs", type=int, default=1, help="processes the clients are spread over"
    )
    parser.add_argument("--profile", help="write a cProfile of daphne to this path")
    parser.add_argument("--changer", help=argparse.SUPPRESS)
    parser.add_argument("--client-proc", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    if len(sys.argv) > 2 and sys.argv[1] == "--profile-daphne":
        profile_daphne(sys.argv[2], sys.argv[3:])
        return 0
    args = parser.parse_args()
    if args.client_proc:
        ids = [int(i) for i in args.ids.split(",")]
        asyncio.run(
            client_process(args.client_proc, int(args.clients), args.resync, ids, args.port)
        )
        return 0
    if args.changer:
        changer(args.changer, args.rate, args.seconds, [int(i) for i in args.ids.split(",")])
        return 0

    environment(database_name())
    prepare_database(os.environ["GENSTATUS_LIVE_DB_NAME"])
    counts = [int(n) for n in args.clients.split(",")]
    rows = [asyncio.run(run(args, n, args.capacity)) for n in counts]
    if args.low_capacity:
        lossy = argparse.Namespace(**{**vars(args), "resync": args.lossy_resync})
        rows.append(asyncio.run(run(lossy, min(counts), args.low_capacity)))
    print(markdown(rows, args))
    return 1 if any(r["lost"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

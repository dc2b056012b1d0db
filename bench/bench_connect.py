"""Connect storms and restarts: sockets of distinct users arriving at daphne.

    GENSTATUS_DB=postgres .venv/bin/python bench/bench_connect.py [--rates 50,100,200,400]
        [--seconds 3] [--users 50] [--processes 1] [--restart 1000] [--rate 5]
        [--change-seconds 5] [--admission 200] [--pool]

**Storm** (each rate): ``rate * seconds`` browser tabs arrive at ``rate`` per second, each
signed in as one of ``--users`` users (a session cookie each, PostgreSQL sessions),
connects, subscribes to its user's 3 assets and waits for the snapshot; first against a
bare ``AsyncJsonWebsocketConsumer`` behind the same ``AllowedHostsOriginValidator(
AuthMiddlewareStack(...))`` (``tests/live/bare.py``: no database read of its own), then
against genstatus's consumer, in the same run and daphne process(es). Tabs follow
live.js's reconnect policy (full jitter; windows of 1 s doubling to 10 s after a failure,
2 s doubling to 15 s after a 4429): connect-to-snapshot p50/p99 counts from a tab's
first attempt to its snapshot, retries included. "failed" are handshakes that did not
open (daphne's 5 s connect timeout, a refused connection), "4429" sockets told to come
back later.

**Restart** (``--restart N``): N genstatus tabs connected, every daphne process restarted
while a worker process moves every generation to a final state; tabs reconnect with the
same policy. Printed: time until every tab has a snapshot again (from the restart and
from the moment the servers listen), failed attempts (refused while the servers were
down included), 4429s, then ``--rate`` progress
changes a second for ``--change-seconds`` from a worker process (delivery p50/p99) and
"lost final states": tabs whose view differs from the database 10 s after the last commit.

``--processes 2`` runs two daphne processes (tabs alternate, as behind a proxy) on the
Redis layer. ``--pool`` turns on Django's psycopg connection pool in the servers.
Needs PostgreSQL (``GENSTATUS_DB=postgres``) and Redis (``GENSTATUS_REDIS_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_live

ROOT = bench_live.ROOT
BENCH_DB = "genstatus_bench_connect"
# live.js (genstatus/static/genstatus/js/socket.js): the same policy
FAILED_BASE, FAILED_MAX = 1.0, 10.0
BUSY_BASE, BUSY_MAX = 2.0, 15.0
CLOSE_TRY_LATER = 4429


def backoff(n: int, busy: bool) -> float:
    """The delay before the nth reconnect: full jitter, as live.js."""
    base, top = (BUSY_BASE, BUSY_MAX) if busy else (FAILED_BASE, FAILED_MAX)
    return random.random() * min(top, base * 2 ** min(n - 1, 15))


def seed(users: int) -> list[dict[str, Any]]:
    """``users`` users, each with 3 assets and an active generation on each: their cookie,
    asset ids and generation ids."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from gallery.models import Asset
    from genstatus import lifecycle
    from genstatus.models import Generation

    out = []
    for n in range(users):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-connect-{n}")
        Generation.objects.filter(owner=user).delete()
        Asset.objects.filter(owner=user).delete()
        assets, generations = [], []
        for i in range(3):
            asset = Asset.objects.create(owner=user, title=f"bench {n}/{i}")
            generation = lifecycle.create_generation(
                provider="pixverse", operation_type="text_to_video", asset=asset, owner=user
            )
            lifecycle.mark_processing(generation)
            assets.append(asset.pk)
            generations.append(generation.pk)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        out.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
                "assets": assets,
                "generations": generations,
            }
        )
    from genstatus import live

    live.flush()
    return out


class Tab:
    """One browser tab: live.js's socket policy, its badges' view of the database."""

    def __init__(self, user: dict[str, Any], port: int, path: str) -> None:
        self.user = user
        self.url = f"ws://127.0.0.1:{port}/{path}"
        self.origin = f"http://127.0.0.1:{port}"
        self.view: dict[str, tuple[int, int, str]] = {}
        self.attempts = 0
        self.busy_closes = 0
        self.failed = 0
        self.busy = 0
        self.snapshots = 0
        self.synced = asyncio.Event()
        self.first_at: float | None = None
        self.synced_at: float | None = None
        self.received: list[tuple[int, int, float]] = []

    def apply(self, item: dict[str, Any] | None, record: bool) -> None:
        if not item:
            return
        gid, version = item["generation_id"], item["version"]
        if record:
            self.received.append((gid, version, time.time()))
        key = str(item["asset_id"])
        current = self.view.get(key)
        if current is None or gid > current[0] or (gid == current[0] and version > current[1]):
            self.view[key] = (gid, version, item["status"])

    async def run(self) -> None:
        while True:
            code = await self._session()
            if code == 4401:
                return
            if code == CLOSE_TRY_LATER:
                self.busy += 1
                self.busy_closes += 1
                await asyncio.sleep(backoff(self.busy_closes, True))
            else:
                self.attempts += 1
                await asyncio.sleep(backoff(self.attempts, False))

    async def _session(self) -> int | None:
        import websockets

        if self.first_at is None:
            self.first_at = time.monotonic()
        try:
            async with websockets.connect(
                self.url,
                origin=self.origin,  # type: ignore[arg-type]
                additional_headers={"Cookie": self.user["cookie"]},
                open_timeout=20,
                max_queue=None,
            ) as ws:
                await ws.send(json.dumps({"type": "subscribe", "assets": self.user["assets"]}))
                async for raw in ws:
                    self._frame(json.loads(raw))
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
        except (OSError, TimeoutError, websockets.InvalidHandshake):
            self.failed += 1
        return None

    def _frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "snapshot":
            self.snapshots += 1
            for item in frame["assets"].values():
                self.apply(item, record=False)
            self.attempts = self.busy_closes = 0
            self.synced_at = time.monotonic()
            self.synced.set()
        elif frame["type"] == "updates":
            for item in frame["items"]:
                self.apply(item, record=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def stop_tabs(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux), every thread included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


async def storm(
    users: list[dict[str, Any]], servers: Servers, path: str, rate: float, count: int
) -> dict[str, Any]:
    """``count`` tabs arriving at ``rate``/s; each waits for its snapshot (60 s at most)."""
    ports = servers.ports
    cpu = cpu_seconds(servers.pids)
    tabs = [Tab(users[i % len(users)], ports[i % len(ports)], path) for i in range(count)]
    tasks: list[asyncio.Task[None]] = []
    started = time.monotonic()
    for i, tab in enumerate(tabs):
        pause = started + i / rate - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(tab.run()))
    deadline = time.monotonic() + 60
    for tab in tabs:
        left = deadline - time.monotonic()
        if left > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tab.synced.wait(), left)
    cpu = cpu_seconds(servers.pids) - cpu
    await stop_tabs(tasks)
    served = [t.synced_at - t.first_at for t in tabs if t.synced_at and t.first_at]
    result = {
        "target": "bare" if "bare" in path else "genstatus",
        "rate": rate,
        "tabs": count,
        "served": len(served),
        "p50": percentile(served, 0.5),
        "p99": percentile(served, 0.99),
        "failed": sum(t.failed for t in tabs),
        "busy": sum(t.busy for t in tabs),
        "cpu_ms": 1000 * cpu / max(1, sum(1 for t in tabs if t.synced_at)),
    }
    await settle(users, ports)
    return result


async def settle(users: list[dict[str, Any]], ports: list[int], limit: float = 120) -> None:
    """Wait until every server answers a lone bare tab within 0.2 s: a run that overloaded
    daphne leaves its shared sync thread reading sessions of sockets long gone, which the
    next run must not pay for."""
    deadline = time.monotonic() + limit
    for port in ports:
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            tab = Tab(users[0], port, "ws/bare/")
            task = asyncio.create_task(tab.run())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tab.synced.wait(), 10)
            await stop_tabs([task])
            if tab.synced_at and tab.first_at and tab.synced_at - tab.first_at < 0.2:
                break


def free_ports(count: int) -> list[int]:
    """``count`` ports the system had free (bound together, so distinct)."""
    import socket

    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Servers:
    """``count`` daphne processes of tests.live.asgi on free ports."""

    def __init__(self, count: int, env: dict[str, str], tree: Path = ROOT) -> None:
        self.tree = tree
        self.env = {
            **env,
            "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "example_project")]),
        }
        self.ports = free_ports(count)
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]

    def start(self) -> None:
        import socket

        for port in self.ports:
            log = Path(tempfile.gettempdir()) / f"genstatus-bench-connect-{port}.log"
            command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            self.procs.append(
                subprocess.Popen(
                    [*command, bench_live.DAPHNE_APP],
                    cwd=self.tree,
                    env=self.env,
                    stdout=log.open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        for port in self.ports:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []


def baseline_tree(ref: str) -> Path:
    """A work tree of ``ref`` (the consumer before), with today's test ASGI app, bare
    consumer and server settings copied in, so that the same routes exist there."""
    import shutil

    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"genstatus-connect-baseline-{sha}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True)
    for name in ("asgi.py", "bare.py", "server_settings.py"):
        shutil.copy(ROOT / "tests" / "live" / name, tree / "tests" / "live" / name)
    return tree


def worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bench_live.py"), *args], cwd=ROOT, env=env
    )


def new_generations(asset_ids: list[int], final: bool) -> list[int]:
    """A new generation on each asset (its badge's newest), processing, or moved on to a
    final state when ``final`` (what the restart's worker does while servers are down)."""
    from gallery.models import Asset
    from genstatus import lifecycle, live

    out = []
    for i, asset in enumerate(Asset.objects.filter(pk__in=asset_ids).order_by("pk")):
        generation = lifecycle.create_generation(
            provider="pixverse", operation_type="text_to_video", asset=asset, owner=asset.owner
        )
        lifecycle.mark_processing(generation)
        if final and i % 2:
            lifecycle.mark_failed(generation, "bench failure", code="bench")
        elif final:
            lifecycle.mark_completed(generation)
        out.append(generation.pk)
    live.flush()
    return out


def truth(users: list[dict[str, Any]]) -> dict[str, tuple[int, int, str]]:
    from genstatus.mapping import statuses_for_assets

    keys = [a for u in users for a in u["assets"]]
    return {
        str(k): (s.generation_id, s.version, s.status) for k, s in statuses_for_assets(keys).items()
    }


def stale_view(tab: Tab, expected: dict[str, tuple[int, int, str]]) -> bool:
    return any(tab.view.get(str(a)) != expected[str(a)] for a in tab.user["assets"])


async def restart(
    args: argparse.Namespace, users: list[dict[str, Any]], servers: Servers, env: dict[str, str]
) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    ports = servers.ports
    tabs = [
        Tab(users[i % len(users)], ports[i % len(ports)], "ws/genstatus/")
        for i in range(args.restart)
    ]
    tasks = []
    for i, tab in enumerate(tabs):  # arrive at 200/s (each backs off if told to)
        tasks.append(asyncio.create_task(tab.run()))
        if i % 20 == 19:
            await asyncio.sleep(0.1)
    await asyncio.wait_for(asyncio.gather(*(t.synced.wait() for t in tabs)), 300)
    print(f"  {len(tabs)} tabs synced; restarting", file=sys.stderr, flush=True)
    for tab in tabs:
        tab.synced.clear()
        tab.failed = tab.busy = 0
    asset_ids = [a for u in users for a in u["assets"]]
    stopped = time.monotonic()
    await asyncio.to_thread(servers.stop)
    await sync_to_async(new_generations)(asset_ids, True)  # while no server listens
    await asyncio.to_thread(servers.start)
    listening = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(t.synced.wait() for t in tabs)), 300)
    back = max(t.synced_at or 0 for t in tabs)
    resynced = sorted((t.synced_at or back) - listening for t in tabs)
    expected = await sync_to_async(truth)(users)
    stale = sum(
        1 for t in tabs if any(t.view.get(str(a)) != expected[str(a)] for a in t.user["assets"])
    )
    result: dict[str, Any] = {
        "tabs": len(tabs),
        "processes": len(ports),
        "from_restart": back - stopped,
        "from_listening": back - listening,
        "half_back": percentile(resynced, 0.5),
        "most_back": percentile(resynced, 0.9),
        "failed": sum(t.failed for t in tabs),
        "busy": sum(t.busy for t in tabs),
        "stale_after_restart": stale,
    }
    result.update(await changes(args, users, tabs, env))
    await stop_tabs(tasks)
    return result


async def changes(
    args: argparse.Namespace, users: list[dict[str, Any]], tabs: list[Tab], env: dict[str, str]
) -> dict[str, Any]:
    """Progress changes from a worker process, then final states: delivery and lost states."""
    from asgiref.sync import sync_to_async

    asset_ids = [a for u in users for a in u["assets"]]
    ids = await sync_to_async(new_generations)(asset_ids, False)
    await asyncio.sleep(2)  # the tabs see the new generations
    for tab in tabs:
        tab.received.clear()
    records = Path(tempfile.mkdtemp(prefix="genstatus-bench-connect-")) / "changes.json"
    changer = worker(
        env,
        "--changer",
        str(records),
        "--rate",
        str(args.rate),
        "--seconds",
        str(args.change_seconds),
        "--ids",
        ",".join(map(str, ids)),
    )
    assert await asyncio.to_thread(changer.wait) == 0, "the changer failed"
    last = time.time()
    commits = {(g, v): t for g, v, t in json.loads(records.read_text())}
    expected = await sync_to_async(truth)(users)

    def lost() -> int:
        return sum(1 for t in tabs if stale_view(t, expected))

    while lost() and time.time() < last + 10:
        await asyncio.sleep(0.1)
    latencies = [
        t - commits[(g, v)] for tab in tabs for g, v, t in tab.received if (g, v) in commits
    ]
    return {
        "changes": len(commits),
        "update_p50": percentile(latencies, 0.5),
        "update_p99": percentile(latencies, 0.99),
        "lost": lost(),
    }


def ms(value: float) -> str:
    return "—" if value != value else f"{1000 * value:,.0f} ms"


def markdown(storms: list[dict[str, Any]], restarted: dict[str, Any] | None, args: Any) -> str:
    lines = []
    if storms:
        lines += [
            f"Storm: tabs of {args.users} users arriving for {args.seconds:g} s, "
            f"{args.processes} daphne process(es), admission "
            f"{args.admission or 'consumer only (200)'}, pool {'on' if args.pool else 'off'}.",
            "",
            "| rate | tabs | consumer | served | p50 | p99 | failed | 4429 | p50 ÷ bare "
            "| daphne CPU per served tab |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        bare = {r["rate"]: r for r in storms if r["target"] == "bare"}
        for r in storms:
            base = bare.get(r["rate"])
            ratio = "" if base is None or r is base else f"{r['p50'] / base['p50']:.1f}x"
            lines.append(
                f"| {r['rate']:g}/s | {r['tabs']:,} | {r['target']} | {r['served']:,} "
                f"| {ms(r['p50'])} | {ms(r['p99'])} | {r['failed']:,} | {r['busy']:,} | {ratio} "
                f"| {r['cpu_ms']:.1f} ms |"
            )
    if restarted:
        r = restarted
        lines += [
            "",
            f"Restart: {r['tabs']:,} tabs of {args.users} users on {r['processes']} daphne "
            "process(es), every process restarted while a worker moved every badge's "
            "generation to a final state.",
            "",
            "| all tabs resynced after restart | after listening (p50 / p90 / all) "
            "| failed attempts | 4429 "
            "| stale after resync | changes | update p50 | update p99 | lost final states |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {r['from_restart']:.1f} s | {r['half_back']:.1f} / {r['most_back']:.1f} / "
            f"{r['from_listening']:.1f} s | {r['failed']:,} "
            f"| {r['busy']:,} | {r['stale_after_restart']} | {r['changes']} "
            f"| {ms(r['update_p50'])} | {ms(r['update_p99'])} | {r['lost']} |",
        ]
    return "\n".join(lines)


def baseline_storms(
    args: argparse.Namespace, users: list[dict[str, Any]], env: dict[str, str]
) -> list[dict[str, Any]]:
    env = {**env, "GENSTATUS_LIVE_ADMISSION": "0"}  # the consumer before had none
    servers = Servers(args.processes, env, baseline_tree(args.baseline))
    servers.start()
    out = []
    try:
        asyncio.run(storm(users, servers, "ws/genstatus/", 20, 20 * len(servers.ports)))
        for rate in [float(r) for r in args.rates.split(",") if r]:
            count = int(rate * args.seconds)
            row = asyncio.run(storm(users, servers, "ws/genstatus/", rate, count))
            out.append({**row, "target": f"genstatus @ {args.baseline}"})
            print(f"  {out[-1]}", file=sys.stderr, flush=True)
    finally:
        servers.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="50,100,200,400", help="tabs per second ('' skips)")
    parser.add_argument("--seconds", type=float, default=3, help="length of each storm")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--processes", type=int, default=1, help="daphne processes")
    parser.add_argument("--restart", type=int, default=0, help="tabs of the restart run (0: none)")
    parser.add_argument("--rate", type=float, default=5, help="changes/s after the restart")
    parser.add_argument("--change-seconds", type=float, default=5)
    parser.add_argument("--admission", type=int, default=0, help="LiveAdmissionMiddleware limit")
    parser.add_argument("--pool", action="store_true", help="psycopg pool in the servers")
    parser.add_argument("--baseline", help="also storm genstatus's consumer as of this git ref")
    args = parser.parse_args()
    if os.environ.get("GENSTATUS_DB") != "postgres":
        parser.error("run with GENSTATUS_DB=postgres (sessions and snapshots in PostgreSQL)")
    suffix = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
    os.environ.setdefault("GENSTATUS_BENCH_DB", BENCH_DB + suffix.lower())
    env = bench_live.environment(bench_live.database_name())
    bench_live.prepare_database(os.environ["GENSTATUS_LIVE_DB_NAME"])
    users = seed(args.users)
    env = {
        **env,
        "GENSTATUS_LIVE_PREFIX": f"gs-bench-connect-{os.getpid()}",
        "GENSTATUS_LIVE_ADMISSION": str(args.admission),
        "GENSTATUS_LIVE_DB_POOL": "1" if args.pool else "",
    }
    servers = Servers(args.processes, env)
    servers.start()
    try:
        for path in ("ws/bare/", "ws/genstatus/"):  # warm-up: imports, first connections
            asyncio.run(storm(users, servers, path, 20, 20 * len(servers.ports)))
        storms = []
        for rate in [float(r) for r in args.rates.split(",") if r]:
            for path in ("ws/bare/", "ws/genstatus/"):
                count = int(rate * args.seconds)
                storms.append(asyncio.run(storm(users, servers, path, rate, count)))
                print(f"  {storms[-1]}", file=sys.stderr, flush=True)
        restarted = asyncio.run(restart(args, users, servers, env)) if args.restart else None
    finally:
        servers.stop()
    if args.baseline:
        storms += baseline_storms(args, users, env)
    print(markdown(storms, restarted, args))
    return 1 if restarted and restarted["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())

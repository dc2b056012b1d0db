"""Benchmark: the Statistics page and one metrics scrape on PostgreSQL at 1,000,000
generations, beside the same requests without migration 0005's indexes (same run).

    .venv/bin/python bench/bench_stats.py               # 1,000,000 generations (make bench)
    .venv/bin/python bench/bench_stats.py --rows 20000  # quick

Reuses ``bench/bench_panel.py``'s database (``--database``, default ``genstatus_bench``)
and loader: the data is loaded once and reused. The rows span a year (about 2,700 a day;
the last 50,000 rows, about 18 days, are 40 % active), so the 24-hour window holds about
2,700 generations and the 30-day window about 82,000.

Times full requests (middleware, view, template) in one process, median of ``--repeat``:
the Statistics page for 24 h and 30 days as a superuser (everyone's generations) and as a
user who sees only their own (one of 50 owners), and one metrics scrape; the baseline is
the same request inside a transaction that dropped the two indexes of migration 0005
(rolled back afterwards) and without the daily counts (``stats.rollup``), taking turns
with the measured one. The clock of the figures is
pinned to the newest row of the data, so a database loaded days ago measures the same
windows. Prints a Markdown table and the EXPLAIN ANALYZE of every query of the 30-day
page and of the scrape; any sequential scan of the generations table is flagged.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_panel import SqlTimer, load, setup_django  # noqa: E402

INDEXES = ("gs_gen_finished_stats", "gs_gen_created_stats")
LIMIT_MS = 100.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="genstatus_bench")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per cell (median)")
    parser.add_argument("--reload", action="store_true", help="reload the data even if present")
    return parser.parse_args(argv)


def urlconf() -> types.ModuleType:
    from django.contrib import admin
    from django.urls import include, path

    module = types.ModuleType("bench_stats_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("admin/", admin.site.urls),
        path("genstatus/", include("genstatus.metrics")),
    ]
    return module


@contextmanager
def pinned_clock(now: Any) -> Any:
    """The figures' clock (not the session's) at ``now``."""
    clock = types.SimpleNamespace(now=lambda: now)
    with (
        mock.patch("genstatus.panel.stats_views.timezone", clock),
        mock.patch("genstatus.metrics.timezone", clock),
    ):
        yield


@contextmanager
def without_indexes() -> Any:
    """Migration 0005's indexes dropped, inside a transaction rolled back afterwards, and
    no daily counts (every figure from the rows, percentiles exact)."""
    from django.db import connection, transaction

    with (
        transaction.atomic(),
        mock.patch("genstatus.stats.rollup.closed_days", return_value=None),
    ):
        with connection.cursor() as cursor:
            for name in INDEXES:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        transaction.set_rollback(True)


def time_request(client: Any, url: str, params: dict[str, str]) -> tuple[float, float]:
    from django.db import connection

    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        response = client.get(url, params)
        took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} answered {response.status_code}")
    return took, timer.total * 1000


def measure(client: Any, url: str, params: dict[str, str], repeat: int) -> dict[str, Any]:
    """Median (request ms, SQL ms) with the indexes and without them, taking turns."""
    time_request(client, url, params)  # warm-up
    mine: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []
    for _turn in range(repeat):
        mine.append(time_request(client, url, params))
        with without_indexes():
            base.append(time_request(client, url, params))
    return {"mine": median(mine), "base": median(base)}


def median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def explain(client: Any, url: str, params: dict[str, str]) -> list[str]:
    """EXPLAIN ANALYZE of each query of the request that reads the generations table or
    the daily counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    plans = []
    for query in captured.captured_queries:
        sql = query["sql"]
        reads = "genstatus_generation" in sql or "genstatus_dailystat" in sql
        if not reads or not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(f"-- {sql[:160]}{'…' if len(sql) > 160 else ''}\n{plan}")
    return plans


def fmt(cell: tuple[float, float]) -> str:
    return f"{cell[0]:.1f} ({cell[1]:.1f})"


def run(args: argparse.Namespace) -> str:
    setup_django(args.database)
    load(args.rows, args.reload)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.db.models import Max
    from django.test import Client
    from django.test.utils import override_settings

    from genstatus.models import Generation

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE genstatus_generation")
    newest = Generation.objects.aggregate(newest=Max("created_at"))["newest"]
    now = newest + timedelta(seconds=1)
    users = get_user_model()
    owner = users.objects.get(username="bench0")
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    owner.user_permissions.add(Permission.objects.get(codename="view_generation"))
    admin_client, owner_client = Client(), Client()
    admin_client.force_login(users.objects.get(username="bench-admin"))
    owner_client.force_login(owner)
    stats_url, panel_url = (
        "/admin/genstatus/generation/panel/stats/",
        "/admin/genstatus/generation/panel/",
    )
    cases = [
        ("Statistics, 24 hours, everyone's", admin_client, stats_url, {"window": "24h"}),
        ("Statistics, 30 days, everyone's", admin_client, stats_url, {"window": "30d"}),
        ("Statistics, 24 hours, one owner's", owner_client, stats_url, {"window": "24h"}),
        ("Statistics, 30 days, one owner's", owner_client, stats_url, {"window": "30d"}),
        ("Metrics scrape", admin_client, "/genstatus/metrics", {}),
        ("(reference) the panel's first page", admin_client, panel_url, {}),
    ]
    results: dict[str, dict[str, Any]] = {}
    with override_settings(ROOT_URLCONF=urlconf(), GENSTATUS_LIVE=False), pinned_clock(now):
        for label, client, url, params in cases:
            results[label] = measure(client, url, params, args.repeat)
            print(label, fmt(results[label]["mine"]), fmt(results[label]["base"]), file=sys.stderr)
        page_plans = explain(admin_client, stats_url, {"window": "30d"})
        scrape_plans = explain(admin_client, "/genstatus/metrics", {})
        owner_plans = explain(owner_client, stats_url, {"window": "30d"})
    return report(args, results, page_plans, scrape_plans, owner_plans)


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, Any]],
    page_plans: list[str],
    scrape_plans: list[str],
    owner_plans: list[str],
) -> str:
    lines = [
        f"Statistics page and metrics scrape, PostgreSQL, {args.rows:,} generations, median of "
        f"{args.repeat} requests, milliseconds of server time, SQL part in brackets "
        f"(`bench/bench_stats.py --rows {args.rows} --repeat {args.repeat}`). Baseline: the "
        "same request without migration 0005's two indexes (dropped in a transaction rolled "
        "back afterwards) nor the daily counts (every figure from the rows, exact "
        "percentiles), taking turns with it.",
        "",
        "| request | genstatus | baseline | speed-up | ≤ 100 ms |",
        "| --- | ---: | ---: | ---: | :---: |",
    ]
    for label, cells in results.items():
        mine, base = cells["mine"], cells["base"]
        within = (
            "" if label.startswith("(reference)") else ("yes" if mine[0] <= LIMIT_MS else "**no**")
        )
        lines.append(
            f"| {label} | {fmt(mine)} | {fmt(base)} | {base[0] / mine[0]:.1f}x | {within} |"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    lines += [
        "",
        f"Load average when the run ended: {load:.1f} on {os.cpu_count()} cores (the "
        "reference row shows how much a busy machine adds to any admin page).",
    ]
    for title, plans in (
        ("the 30-day Statistics page (everyone's)", page_plans),
        ("the 30-day Statistics page (one owner's)", owner_plans),
        ("one metrics scrape", scrape_plans),
    ):
        seq = [plan for plan in plans if "Seq Scan on genstatus_generation" in plan]
        lines += [
            "",
            f"EXPLAIN ANALYZE of every query of {title} that reads the generations table or "
            "the daily counts"
            f" ({len(plans)} queries; sequential scans of the table: {len(seq)}):",
            "",
            "```",
            "\n\n".join(plans),
            "```",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    print(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

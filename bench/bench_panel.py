"""Benchmark: the Generations panel beside the stock ModelAdmin changelist on PostgreSQL.

    .venv/bin/python bench/bench_panel.py                 # 1,000,000 generations (make bench)
    .venv/bin/python bench/bench_panel.py --rows 20000    # quick, for CI

Loads ``--rows`` generations (a realistic mix: ~90 % completed, a few percent failed,
cancelled and active, five providers, prompts of 12-40 words) into its own database
(``--database``, default ``genstatus_bench``) on the server of ``PGHOST``/``PGUSER``
(127.0.0.1 / postgres), once: later runs reuse the data unless ``--reload``. Then, in the
same process, times full requests (middleware, view, template) as a superuser, median of
``--repeat`` runs (the stock's: half as many; the panel's and the stock's requests take
turns): the first page and page 100 of every tab, with a provider filter and
with a search, for the panel (keyset pages, capped counts) and for a stock ModelAdmin
(``list_filter`` + ``search_fields``, its two ``COUNT(*)``). Prints a Markdown table and
the EXPLAIN of the panel's search, which must use the trigram index.

With ``--runs N`` the whole timing is made N times, each in a fresh process, and every
cell is the median of the runs' medians; the speed-ups of each run are listed under the
table (this machine's speed drifts by 10-30 % over minutes).

Ten million rows (not in CI; the load takes long, the database ``genstatus_bench_10m``
needs ~6 GB):

    .venv/bin/python bench/bench_panel.py --ten-million

is ``--rows 10000000 --database genstatus_bench_10m --panel-only``: the panel alone (the
stock changelist's two ``COUNT(*)`` per page are the slow part it replaces), every cell
must be at most 100 ms, and the report adds the EXPLAIN ANALYZE of the slowest panel
request's slowest query.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]

PROVIDERS = {"pixverse": 0.35, "sora": 0.25, "runway": 0.2, "kling": 0.1, "luma": 0.1}
OPERATIONS = ["text_to_image", "image_to_image", "text_to_video", "image_to_video", "video_extend"]
VOCABULARY = """\
a an the of in on at with under over beyond through cinematic portrait landscape photo
render painting sketch watercolor oil neon vintage futuristic ancient misty golden silver
crimson azure emerald quiet stormy sunny frozen burning floating drifting glowing
lighthouse harbor castle forest desert mountain river ocean city street alley market
garden temple bridge tower canyon valley meadow island cliff glacier volcano village
skyline cat dog fox owl wolf horse dragon robot astronaut knight dancer child sailor monk
giant walking running flying sleeping dreaming watching singing reading fighting waiting
morning noon dusk dawn night twilight winter spring summer autumn rain snow fog storm
wide-angle close-up aerial macro tilt-shift bokeh 35mm 85mm anamorphic volumetric light
shadows reflections textures detailed hyperreal stylized minimal baroque gothic art-deco
slow-motion timelapse tracking-shot dolly-zoom pan handheld loop seamless 4k 8k hdr
"""
WORDS = VOCABULARY.split()
RARE_TERM = "zeppelin"  # in ~0.05 % of prompts
COMMON_TERM = "lighthouse"  # a vocabulary word: in several percent of prompts
USERS = 50


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="genstatus_bench")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per cell (median)")
    parser.add_argument("--reload", action="store_true", help="reload the data even if present")
    parser.add_argument("--load-only", action="store_true", help="load the data, time nothing")
    parser.add_argument("--output", help="also write the Markdown report to this file")
    parser.add_argument("--runs", type=int, default=1, help="fresh processes (median of them)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one run's data
    parser.add_argument("--panel-only", action="store_true", help="time the panel alone")
    parser.add_argument(
        "--ten-million",
        action="store_true",
        help="--rows 10000000 --database genstatus_bench_10m --panel-only (not in CI)",
    )
    args = parser.parse_args(argv)
    if args.ten_million:
        args.rows, args.panel_only = 10_000_000, True
        if args.database == "genstatus_bench":
            args.database = "genstatus_bench_10m"
    return args


def setup_django(database: str) -> None:
    import psycopg

    host = os.environ.setdefault("PGHOST", "127.0.0.1")
    user = os.environ.setdefault("PGUSER", "postgres")
    with psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["GENSTATUS_DB"] = "postgres"
    os.environ["PGDATABASE"] = database
    os.environ.pop("GENSTATUS_REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.GENSTATUS_PROVIDERS = dict.fromkeys(PROVIDERS)
    settings.GENSTATUS_LIVE = False
    settings.DEBUG = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def prompt(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 40))
    if rng.random() < 0.0005:
        words.insert(rng.randrange(len(words)), RARE_TERM)
    return " ".join(words)


def load(rows: int, reload: bool) -> None:
    """COPY ``rows`` generations (and rows // 10 assets) in, indexes built afterwards."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from genstatus.models import Generation

    if not reload and Generation.objects.order_by().count() == rows:
        print(f"reusing {rows:,} generations", file=sys.stderr)
        return
    started = time.perf_counter()
    rng = random.Random(4)
    user_model = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE genstatus_generationevent, genstatus_generation_source_assets, "
            "genstatus_generation, gallery_asset RESTART IDENTITY CASCADE"
        )
    user_model.objects.exclude(username="bench-admin").filter(username__startswith="bench").delete()
    owners = [user_model.objects.get_or_create(username=f"bench{i}")[0].pk for i in range(USERS)]
    user_model.objects.filter(username="bench-admin").delete()
    user_model.objects.create_superuser("bench-admin", "bench@example.com", "bench")
    now = datetime.now(UTC)
    connection.ensure_connection()
    raw = connection.connection
    assets = max(rows // 10, 1)
    with raw.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        with cursor.copy(
            "COPY gallery_asset (owner_id, title, kind, thumbnail, provider, created_at) FROM STDIN"
        ) as copy:
            for i in range(assets):
                copy.write_row((owners[i % USERS], f"asset {i}", "image", "", "", now))
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
            "'genstatus_generation' AND indexname LIKE 'gs\\_%%'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        provider_names, weights = zip(*PROVIDERS.items(), strict=True)
        span = timedelta(days=365).total_seconds()
        with cursor.copy(
            "COPY genstatus_generation (owner_id, asset_id, provider, operation_type, prompt, "
            "params, provider_job_id, status, error_message, error_code, retry_count, "
            "progress, version, created_at, updated_at, started_at, finished_at) FROM STDIN"
        ) as copy:
            for i in range(rows):
                if i and i % 1_000_000 == 0:
                    took = time.perf_counter() - started
                    print(f"  {i:,} rows in {took:.0f} s", file=sys.stderr, flush=True)
                age = span * (rows - i) / rows  # id order follows time, as in real life
                created = now - timedelta(seconds=age + rng.random())
                recent = i > rows - 50_000
                roll = rng.random()
                if recent and roll < 0.4:
                    status = rng.choice(["pending", "queued", "processing"])
                elif roll < 0.04 + (0.4 if recent else 0):
                    status = "failed"
                elif roll < 0.07 + (0.4 if recent else 0):
                    status = "cancelled"
                else:
                    status = "completed"
                began = created + timedelta(seconds=5) if status != "pending" else None
                finished = (
                    created + timedelta(seconds=rng.randint(20, 600))
                    if status in {"completed", "failed", "cancelled"}
                    else None
                )
                copy.write_row(
                    (
                        owners[rng.randrange(USERS)],
                        rng.randrange(1, assets + 1),
                        rng.choices(provider_names, weights)[0],
                        rng.choice(OPERATIONS),
                        prompt(rng),
                        f'{{"seed": {rng.randrange(10**6)}, "steps": 30}}',
                        f"job-{i}",
                        status,
                        "Provider quota exceeded" if status == "failed" else "",
                        "quota" if status == "failed" else "",
                        1 if rng.random() < 0.03 else 0,
                        100 if status == "completed" else None,
                        3,
                        created,
                        finished or created,
                        began,
                        finished,
                    )
                )
        for name, definition in indexes:
            cursor.execute(definition)
            took = time.perf_counter() - started
            print(f"  index {name} built at {took:.0f} s", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE genstatus_generation")
        cursor.execute("VACUUM ANALYZE gallery_asset")
    print(f"loaded {rows:,} generations in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def urlconf() -> tuple[types.ModuleType, Any]:
    """The panel on admin.site, a stock ModelAdmin on a second site, same data."""
    from django.contrib import admin
    from django.urls import include, path

    from genstatus.models import Generation

    class StockGenerationAdmin(admin.ModelAdmin):
        list_display = ("id", "status", "prompt", "provider", "operation_type", "created_at")
        list_filter = ("status", "provider", "operation_type")
        search_fields = ("prompt",)
        list_per_page = 50  # the panel's page size: page 100 shows the same rows

    stock = admin.AdminSite(name="stock")
    stock.register(Generation, StockGenerationAdmin)
    module = types.ModuleType("bench_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("admin/", admin.site.urls),
        path("stock/", stock.urls),
        path("", include("gallery.urls")),
    ]
    return module, stock


CASES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    # label, panel filters, stock changelist filters
    ("All", {}, {}),
    ("Active", {"status": "active"}, {"status__in": "pending,queued,processing"}),
    ("Failed", {"status": "failed"}, {"status__exact": "failed"}),
    ("Completed", {"status": "completed"}, {"status__exact": "completed"}),
    ("Provider = sora", {"provider": "sora"}, {"provider__exact": "sora"}),
    (f"Search “{COMMON_TERM}”", {"q": COMMON_TERM}, {"q": COMMON_TERM}),
    (f"Search “{RARE_TERM}” (rare)", {"q": RARE_TERM}, {"q": RARE_TERM}),
]


class SqlTimer:
    """Sums the time spent in the database during a request (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.total = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += time.perf_counter() - started


Request = tuple[str, dict[str, str], int]  # url, query, timed runs


def timed(client: Any, requests: list[Request | None]) -> list[tuple[float, float] | None]:
    """Median milliseconds of the whole request and of its SQL, for each request; None for
    None and past the last page. The requests take turns (panel, stock, panel, …), so a
    drift of the machine's speed reaches both sides of a ratio alike."""
    from django.db import connection

    samples: list[tuple[list[float], list[float]] | None] = []
    for request in requests:
        if request is None:
            samples.append(None)
            continue
        url, params, _runs = request
        response = client.get(url, params)  # warm-up, and a check
        if response.status_code == 302 and "p" in params:
            samples.append(None)  # fewer than 100 pages
            continue
        if response.status_code != 200:
            raise SystemExit(f"{url} {params} answered {response.status_code}")
        samples.append(([], []))
    turns = max((request[2] for request in requests if request), default=0)
    for turn in range(turns):
        for request, sample in zip(requests, samples, strict=True):
            if request is None or sample is None:
                continue
            url, params, runs = request
            if (turn + 1) * runs // turns == turn * runs // turns:
                continue  # fewer runs than turns: spread over them
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                client.get(url, params)
                sample[0].append((time.perf_counter() - started) * 1000)
            sample[1].append(timer.total * 1000)
    return [
        None if sample is None else (statistics.median(sample[0]), statistics.median(sample[1]))
        for sample in samples
    ]


def page_100_cursor(filters: dict[str, str]) -> str | None:
    """The cursor a user reaches after clicking "Older" 99 times (computed, not timed)."""
    from genstatus import panel
    from genstatus.filters import GenerationFilterSet
    from genstatus.models import Generation

    filterset = GenerationFilterSet(filters, queryset=Generation.objects.all())
    assert filterset.is_valid(), filterset.errors
    offset = 99 * panel.PER_PAGE - 1
    row = (
        filterset.qs.order_by("-created_at", "-id")
        .values_list("created_at", "id")[offset : offset + 1]
        .first()
    )
    return panel.encode_cursor(*row) if row else None


def explain_search() -> str:
    from django.db import connection

    from genstatus.filters import GenerationFilterSet
    from genstatus.models import Generation

    filterset = GenerationFilterSet({"q": RARE_TERM}, queryset=Generation.objects.all())
    assert filterset.is_valid()
    sql, params = filterset.qs.order_by("-created_at", "-id")[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain_slowest(client: Any, url: str, label: str, params: dict[str, str]) -> str:
    """The EXPLAIN ANALYZE of the slowest query of one panel request (``label``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    queries = [
        q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    if not queries:
        return ""
    query = max(queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return f"{label}: its slowest query ({float(query['time']) * 1000:.1f} ms)\n\n{plan}"


Cell = tuple[float, float] | None  # (request ms, SQL ms) or None (no such page)


def fmt(cell: Cell) -> str:
    return "—" if cell is None else f"{cell[0]:.1f} ({cell[1]:.1f})"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """One run: per case the panel's and the stock's first page and page 100, the admin
    index, and the EXPLAIN of the rare search."""
    setup_django(args.database)
    load(args.rows, args.reload)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    module, _stock = urlconf()
    cases: dict[str, list[Cell]] = {}
    slowest: tuple[float, str, dict[str, str]] = (0.0, "", {})
    panel_url, stock_url = "/admin/genstatus/generation/panel/", "/stock/genstatus/generation/"
    with override_settings(ROOT_URLCONF=module, GENSTATUS_LIVE=False):
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench-admin"))
        for label, panel_filters, stock_filters in CASES:
            cursor = page_100_cursor(panel_filters)
            stock_repeat = max(1, args.repeat // 2)
            stock = not args.panel_only
            cases[label] = timed(
                client,
                [
                    (panel_url, panel_filters, args.repeat),
                    (panel_url, {**panel_filters, "after": cursor}, args.repeat)
                    if cursor
                    else None,
                    (stock_url, stock_filters, stock_repeat) if stock else None,
                    (stock_url, {**stock_filters, "p": "100"}, stock_repeat)
                    if cursor and stock
                    else None,
                ],
            )
            for page, query in ((0, panel_filters), (1, {**panel_filters, "after": cursor})):
                cell = cases[label][page]
                if cell is not None and cell[0] > slowest[0]:
                    slowest = (cell[0], f"{label}, page {100 if page else 1}", query)
            print(f"{label}: " + ", ".join(fmt(cell) for cell in cases[label]), file=sys.stderr)
        chrome = timed(client, [("/admin/", {}, args.repeat)])[0]
        slowest_plan = explain_slowest(client, panel_url, slowest[1], slowest[2])
    return {
        "cases": cases,
        "chrome": chrome,
        "plan": explain_search(),
        "slowest": slowest_plan if args.panel_only else "",
    }


def median_cell(cells: list[Cell]) -> Cell:
    present = [cell for cell in cells if cell is not None]
    if not present:
        return None
    return statistics.median(c[0] for c in present), statistics.median(c[1] for c in present)


def speedup(mine: Cell, stock: Cell) -> str:
    return f"{stock[0] / mine[0]:.0f}x" if stock and mine else "—"


def report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> str:
    """The Markdown table: every cell the median of the runs (of medians of requests)."""
    runs_text = f", median of {len(runs)} runs in fresh processes" if len(runs) > 1 else ""
    lines = [
        f"Generations panel vs stock changelist, PostgreSQL, {args.rows:,} generations, "
        f"median of {args.repeat} requests (stock: {max(1, args.repeat // 2)}){runs_text}, "
        f"milliseconds of server time, SQL part in brackets "
        f"(`bench/bench_panel.py --rows {args.rows} --repeat {args.repeat} --runs {len(runs)}`).",
        "",
        "| view | panel p1 | panel p100 | stock p1 | stock p100 | speed-up p1 | speed-up p100 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    worst = 0.0
    per_run: list[str] = []
    for label, _panel, _stock in CASES:
        cells = [median_cell([run["cases"][label][i] for run in runs]) for i in range(4)]
        worst = max([worst] + [cell[0] for cell in cells[:2] if cell])
        lines.append(
            f"| {label} | " + " | ".join(fmt(cell) for cell in cells) + " | "
            f"{speedup(cells[0], cells[2])} | {speedup(cells[1], cells[3])} |"
        )
        each = [
            "/".join(
                speedup(run["cases"][label][mine], run["cases"][label][mine + 2])
                for mine in (0, 1)
                if run["cases"][label][mine] is not None
            )
            for run in runs
        ]
        per_run.append(f"{label} {', '.join(each)}")
    if len(runs) > 1:
        lines += ["", "Speed-ups of each run (p1/p100): " + "; ".join(per_run) + "."]
    plan = runs[-1]["plan"]
    lines += [
        "",
        f"The admin index alone (the chrome every admin page pays: session, user, "
        f"header, app list): {fmt(median_cell([run['chrome'] for run in runs]))} ms.",
        "",
        f"Slowest panel request: {worst:.1f} ms. "
        f"EXPLAIN ANALYZE of the panel's search for “{RARE_TERM}”:",
        "",
        "```",
        plan,
        "```",
    ]
    if "gs_gen_prompt_trgm" not in plan:
        lines.append("WARNING: the trigram index gs_gen_prompt_trgm was not used.")
    if args.panel_only:
        verdict = "every panel cell ≤ 100 ms" if worst <= 100 else "OVER the 100 ms budget"
        where, _, plan_text = runs[-1]["slowest"].partition("\n\n")
        lines += [
            "",
            f"Budget: {verdict} (slowest {worst:.1f} ms).",
            "",
            f"EXPLAIN ANALYZE of the slowest panel request, {where}:",
            "",
            "```",
            plan_text,
            "```",
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> str:
    """Measure ``--runs`` times (fresh processes when more than one) and report."""
    if args.runs <= 1:
        return report(args, [measure(args)])
    setup_django(args.database)  # load the data once, before the runs
    load(args.rows, args.reload)
    runs = []
    for number in range(1, args.runs + 1):
        print(f"run {number} of {args.runs}", file=sys.stderr, flush=True)
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--json",
                "--rows",
                str(args.rows),
                "--repeat",
                str(args.repeat),
                "--database",
                args.database,
                *(["--panel-only"] if args.panel_only else []),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        sys.stderr.write(child.stderr)
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    return report(args, runs)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_only:
        setup_django(args.database)
        load(args.rows, args.reload)
        return 0
    if args.json:
        print(json.dumps(measure(args)))
        return 0
    text = run(args)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Server render time of the example gallery, 500 cards, with and without badges.

    .venv/bin/python bench/bench_gallery.py [--cards 500] [--rounds 100] [--runs 1]

Runs the real gallery view (filter "All", ``?limit=N``) on a throwaway SQLite database
seeded by ``seed_demo``. "Without badges" is the same view and templates as the host had
them before genstatus: the ``{% genstatus_* %}`` tags removed from the templates. Both
variants load their templates the same way and alternate render by render in the same
process (``--rounds`` pairs); the figure is the ratio of the medians (target: <= 1.15).
With ``--runs N`` the whole measurement is made N times, each in a fresh process, and the
median ratio is reported with every run's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GENSTATUS_TAG = re.compile(r"\{%\s*genstatus_\w+[^%]*%\}")


def setup(cards: int) -> Any:
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    db = Path(tempfile.mkdtemp(prefix="genstatus-bench-")) / "bench.sqlite3"
    os.environ["GENSTATUS_SQLITE_PATH"] = str(db)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", assets=cards, reset=True, verbosity=0)
    return get_user_model().objects.get(username="demo")


def template_backends() -> dict[bool, Any]:
    """The gallery's templates as genstatus ships them (``True``) and as they were before
    genstatus (``False``: the ``{% genstatus_* %}`` tags removed), each variant a template
    backend of its own, both loaded the same way (locmem under the cached loader) so that
    only the tags differ. Built once; ``use()`` switches between them without clearing a
    cache, so the two variants can alternate render by render."""
    from django.conf import settings
    from django.template.backends.django import DjangoTemplates
    from django.template.loader import get_template

    backends = {}
    for badges in (False, True):
        sources = {}
        for name in ("gallery/base.html", "gallery/gallery.html", "gallery/media_card.html"):
            source = Path(get_template(name).origin.name).read_text()
            if not badges:
                source = GENSTATUS_TAG.sub("", source).replace("{% load genstatus %}", "")
                source = source.replace("{% load static genstatus %}", "{% load static %}")
            sources[name] = source
        options = {k: v for k, v in settings.TEMPLATES[0]["OPTIONS"].items() if k != "loaders"}
        loaders = [
            (
                "django.template.loaders.cached.Loader",
                [
                    ("django.template.loaders.locmem.Loader", sources),
                    "django.template.loaders.app_directories.Loader",
                ],
            )
        ]
        backends[badges] = DjangoTemplates(
            {
                "NAME": "django",
                "DIRS": [],
                "APP_DIRS": False,
                "OPTIONS": {**options, "loaders": loaders},
            }
        )
    return backends


def use(backend: Any) -> None:
    """Make ``backend`` the project's "django" template engine."""
    from django.template import engines

    engines._engines["django"] = backend


def render_page(user: Any, cards: int) -> bytes:
    from django.test import RequestFactory

    from gallery.views import gallery

    request = RequestFactory().get("/", {"limit": cards})
    request.user = user
    return gallery(request).content


def measure(cards: int, rounds: int) -> dict[str, float]:
    """One measurement in this process: ``rounds`` pairs of renders, one of each variant,
    alternating (plain first in even rounds, badges first in odd ones), so that a drift of
    the machine's speed weighs on both alike."""
    user = setup(cards)
    backends = template_backends()
    html = {}
    for badges in (False, True):
        use(backends[badges])
        html[badges] = render_page(user, cards)  # also warms the template caches
        render_page(user, cards)
    assert html[False].count(b"<article") == cards == html[True].count(b"<article")
    assert b"data-gs-badge" not in html[False]
    # one badge per card, plus the <template>s of {% genstatus_assets %} (one per status
    # and none) the live client clones
    templates = html[True].count(b"<template data-gs-badge-template=")
    assert templates == 7
    assert html[True].count(b"data-gs-badge data-gs-asset=") == cards

    times: dict[bool, list[float]] = {False: [], True: []}
    for number in range(rounds):
        for badges in (False, True) if number % 2 == 0 else (True, False):
            use(backends[badges])
            start = time.perf_counter()
            render_page(user, cards)
            times[badges].append(time.perf_counter() - start)
    p, b = statistics.median(times[False]), statistics.median(times[True])
    return {
        "renders": rounds,
        "plain_ms": p * 1000,
        "badges_ms": b * 1000,
        "plain_kib": len(html[False]) >> 10,
        "badges_kib": len(html[True]) >> 10,
        "ratio": b / p,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=100, help="pairs of renders per run")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="independent measurements, each in a fresh process (hash seeds and memory "
        "layout differ from process to process); the figure is their median",
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:  # one run, for the parent process
        print(json.dumps(measure(args.cards, args.rounds)))
        return
    runs = []
    for _ in range(args.runs):
        child = subprocess.run(
            [sys.executable, __file__, "--json", *sys.argv[1:]],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    first = runs[0]
    print(f"gallery view, {args.cards} cards, {len(runs)} run(s) in fresh processes, each the")
    print(f"median of {first['renders']} renders per variant, alternating render by render")
    for number, run in enumerate(runs, 1):
        print(
            f"  run {number}: without badges {run['plain_ms']:5.1f} ms "
            f"({run['plain_kib']} KiB), with badges {run['badges_ms']:5.1f} ms "
            f"({run['badges_kib']} KiB), ratio {run['ratio']:.3f}"
        )
    plain = statistics.median(run["plain_ms"] for run in runs)
    badges = statistics.median(run["badges_ms"] for run in runs)
    ratio = statistics.median(run["ratio"] for run in runs)
    print(f"  per card, all badge costs:      {(badges - plain) / args.cards * 1000:6.1f} us")
    print(
        f"  ratio, badges / no badges:      {ratio:6.3f}  median of the runs "
        f"(highest {max(run['ratio'] for run in runs):.3f}; target <= 1.15)"
    )


if __name__ == "__main__":
    main()

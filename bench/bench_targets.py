"""What badges from settings cost the server: the middleware on a host page, and the batch.

    .venv/bin/python bench/bench_targets.py [--cards 500] [--rounds 200]

On a throwaway SQLite database seeded by ``seed_demo`` (``--cards`` assets):

- **middleware**: a host page of ``--cards`` cards (its HTML built once, as a view would
  return it) through ``BadgeTargetsMiddleware`` with a target that applies, against the
  same response without it; the two alternate call by call in one process. The added time
  is the snippet (the badge assets and the targets' JSON) put before ``</body>``.
- **batch**: ``render_badges()`` for every card's id, what ``api/genstatus/badges/``
  answers ``targets.js`` with (ids read, one query, the badges rendered), and its JSON.

Prints Markdown: medians in milliseconds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGETS = [{"cards": ".photo", "id_attribute": "data-id", "paths": [r"^/photos/$"]}]


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
    call_command("seed_demo", assets=cards, reset=True, verbosity=0, stdout=io.StringIO())
    return get_user_model().objects.get(username="demo")


def host_page(keys: list[Any]) -> bytes:
    cards = "".join(
        f'<figure class="photo" data-id="{key}"><a href="/photos/{key}/">'
        f'<img src="/photos/{key}.jpg" alt="Photo {key}"></a><figcaption>Photo {key}'
        "</figcaption></figure>\n"
        for key in keys
    )
    head = "<!doctype html><html><head><title>Photos</title></head>"
    return f"{head}<body>{cards}</body></html>".encode()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(cards: int, rounds: int) -> dict[str, Any]:
    user = setup(cards)
    from django.http import HttpResponse
    from django.test import RequestFactory, override_settings

    from gallery.models import Asset
    from genstatus.badges.targets import render_badges
    from genstatus.middleware import BadgeTargetsMiddleware

    keys = list(Asset.objects.order_by("pk").values_list("pk", flat=True)[:cards])
    page = host_page(keys)
    factory = RequestFactory()
    with override_settings(GENSTATUS_BADGE_TARGETS=TARGETS):
        plain, injected = [], []
        middleware = BadgeTargetsMiddleware(lambda request: HttpResponse(page))
        size = 0
        for _ in range(rounds):
            request = factory.get("/photos/")
            request.user = user
            start = time.perf_counter()
            HttpResponse(page)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            size = len(middleware(request).content)
            injected.append(time.perf_counter() - start)
        values = [str(key) for key in keys]
        batches = []
        body = ""
        for _ in range(max(10, rounds // 10)):
            start = time.perf_counter()
            body = json.dumps({"badges": render_badges(values, user)})
            batches.append(time.perf_counter() - start)
    return {
        "cards": cards,
        "page_kib": round(len(page) / 1024),
        "snippet_kib": round((size - len(page)) / 1024, 1),
        "plain_ms": median_ms(plain),
        "middleware_ms": median_ms(injected),
        "batch_ms": median_ms(batches),
        "batch_kib": round(len(body) / 1024),
        "rounds": rounds,
        "batches": len(batches),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    result = measure(args.cards, args.rounds)
    added = result["middleware_ms"] - result["plain_ms"]
    print(f"Host page of {result['cards']} cards ({result['page_kib']} KiB), SQLite, medians:")
    print()
    print("| what | time | size |")
    print("| --- | --- | --- |")
    print(
        f"| the middleware puts the snippet in the page ({result['rounds']} calls) "
        f"| +{added:.2f} ms | +{result['snippet_kib']} KiB |"
    )
    print(
        f"| one batch of {result['cards']} badges, ids read, one query, JSON "
        f"({result['batches']} batches) | {result['batch_ms']:.1f} ms "
        f"| {result['batch_kib']} KiB |"
    )


if __name__ == "__main__":
    main()

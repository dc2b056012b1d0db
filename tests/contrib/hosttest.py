"""What the host test projects share: a daphne process serving the project on the test
database, a job worker in another process, headless Debian chromium, image files, and
the check that a project overrides none of its host's templates."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
DOCS_IMG = ROOT / "docs" / "img"


def png(color: str, width: int = 480, height: int = 320) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def shared_database() -> str:
    """The test database's file, which daphne and the worker open too."""
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or "memory" in name:
        pytest.fail(
            "the browser tests serve pages from another process: run them with "
            "GENSTATUS_SQLITE_TEST_NAME=/tmp/<file>.sqlite3 (.ci/tier-hosts does)"
        )
    return name


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "GENSTATUS_LIVE_DB_NAME": shared_database(),
        "GENSTATUS_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONPATH": str(ROOT),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def daphne(asgi: str) -> Iterator[str]:
    """daphne serving ``asgi`` (``module:application``) on the test database; yields its
    base URL."""
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"genstatus-host-daphne-{port}.log"
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), asgi]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited: {log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start within 30 s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


WORKER = """
import sys
import django
django.setup()
from genstatus import lifecycle
from genstatus.models import Generation
generation = Generation.objects.get(pk=int(sys.argv[1]))
for status in sys.argv[2:]:
    generation = lifecycle.transition(generation, status)
"""


def worker_moves(generation_id: Any, *statuses: str) -> None:
    """Move a generation through ``statuses`` in another OS process, as a job worker on
    another machine would; it exits right after (genstatus flushes its updates at exit)."""
    subprocess.run(
        [sys.executable, "-c", WORKER, str(generation_id), *statuses],
        cwd=ROOT,
        env=_env(),
        check=True,
        timeout=60,
    )


@contextmanager
def chromium(width: int = 1440, height: int = 900) -> Iterator[Any]:
    """A page of headless Debian chromium (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread: the test's ORM calls need this
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.errors = []
            page.on("pageerror", lambda error: page.errors.append(str(error)))
            yield page
        finally:
            browser.close()
            if previous is None:
                del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def log_in(page: Any, base_url: str, user: Any) -> None:
    """Give the browser a session cookie for ``user`` (no login form round trip)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def box(locator: Any) -> dict[str, float]:
    result = locator.bounding_box()
    assert result is not None, locator
    return result


def assert_inside(inner: dict[str, float], outer: dict[str, float], what: str) -> None:
    """``inner`` lies within ``outer`` (half a pixel of rounding allowed)."""
    slack = 0.5
    assert inner["x"] >= outer["x"] - slack, what
    assert inner["y"] >= outer["y"] - slack, what
    assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack, what
    assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack, what


def wait_for_badges(page: Any, cards: str, count: int) -> None:
    """Until ``count`` cards of ``cards`` show a badge (placed, in view: a modal that is
    still sliding in, or a picture still loading, has its badges placed once it settles)."""
    page.wait_for_function(
        """([cards, count]) => [...document.querySelectorAll(cards)].filter((card) =>
            [...card.querySelectorAll(".gs-badge")].some((badge) => badge.checkVisibility())
        ).length === count""",
        arg=[cards, count],
    )


def badges_inside_images(page: Any, cards: str, image: str) -> int:
    """Every card of ``cards`` with a badge in view has it inside its ``image``; how many."""
    count = 0
    for card in page.locator(cards).all():
        badge = card.locator(".gs-badge:visible")  # a completed one hides
        if not badge.count():
            continue
        assert_inside(box(badge.first), box(card.locator(image).first), card.inner_text()[:60])
        count += 1
    return count


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """``docs/img/<name>`` with GENSTATUS_WRITE_SCREENSHOTS=1, else a temporary file."""
    folder = DOCS_IMG if os.environ.get("GENSTATUS_WRITE_SCREENSHOTS") == "1" else tmp_path
    path = folder / name
    page.wait_for_function(  # the pictures in view have loaded (thumbnails are made on demand)
        """[...document.images].filter((image) => {
            const box = image.getBoundingClientRect();
            return box.bottom > 0 && box.top < innerHeight && box.width > 0;
        }).every((image) => image.complete)"""
    )
    page.screenshot(path=str(path))
    return path


def template_names(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*.html")}


def host_template_overrides(host_packages: tuple[str, ...]) -> dict[str, list[str]]:
    """The template names the host's packages ship that a template directory of this
    project (its DIRS, its own apps, genstatus and its contrib apps) also has: such a name
    would shadow (or be shadowed by) the host's template. Empty when there is none."""
    import importlib

    from django.apps import apps

    host_dirs = []
    for package in host_packages:
        root = Path(importlib.import_module(package).__file__ or "").parent
        host_dirs += [path for path in root.rglob("templates") if path.is_dir()]
    host_names: set[str] = set()
    for directory in host_dirs:
        host_names |= template_names(directory)
    others = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for config in apps.get_app_configs():  # genstatus, its contrib apps, the project's own
        directory = Path(config.path) / "templates"
        if config.name.startswith(("genstatus", "tests.")) and directory.is_dir():
            others.append(directory)
    found: dict[str, list[str]] = {}
    for directory in others:
        shadowing = sorted(template_names(directory) & host_names)
        if shadowing:
            found[str(directory)] = shadowing
    return found

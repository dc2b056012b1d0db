"""The demo, end to end, as `make demo` serves it: ``manage.py rundemo`` (daphne's
runserver that also runs the seeded active jobs) on SQLite and the in-memory channel
layer, the gallery's login page with the printed demo login, the "Start demo job"
button, and a badge that goes queued → processing → completed without a reload.

It also records the screenshots of docs/img/demo-*.png: run it with
``GENSTATUS_WRITE_SCREENSHOTS=1`` to refresh them (otherwise they go to a temp folder).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("GENSTATUS_DB") == "postgres",
        reason="serves the demo on its own SQLite file: runs in the first tier",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"GENSTATUS_DB", "GENSTATUS_REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        GENSTATUS_SQLITE_PATH=str(tmp_path / "demo.sqlite3"),
        GENSTATUS_DEMO_JOB=json.dumps({"outcome": "complete", "steps": 5, "step_seconds": 0.7}),
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, str(EXAMPLE / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo", "--assets", "12"]):
        subprocess.run([*manage, *command], env=env, cwd=EXAMPLE, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*manage, "rundemo", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=EXAMPLE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail(f"the demo server did not start: {server.stderr.read().decode()[-2000:]}")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def shots(tmp_path):
    folder = ROOT / "docs" / "img" if os.environ.get("GENSTATUS_WRITE_SCREENSHOTS") else tmp_path
    return lambda name: str(folder / f"demo-{name}.png")


def test_a_demo_job_runs_live_from_the_button(demo_server, shots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        # the login `make demo` prints, on the gallery's login page
        page.goto(f"{demo_server}/")
        page.fill("#id_username", "demo")
        page.fill("#id_password", "demo")
        page.click(".login__submit")
        page.wait_for_selector("[data-testid=gallery]")
        page.wait_for_function("document.documentElement.dataset.gsLive === 'open'")
        page.screenshot(path=shots("gallery-before"))
        page.goto(f"{demo_server}/admin/genstatus/generation/panel/")
        page.screenshot(path=shots("panel-before"), full_page=True)
        page.goto(f"{demo_server}/")

        page.click("[data-testid=start-demo-job]")
        page.wait_for_selector("[data-testid=gallery]")
        page.wait_for_function("document.documentElement.dataset.gsLive === 'open'")
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads
        badge = page.locator(".card .gs-badge").first  # the new card comes first
        seen: list[str] = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            status = badge.get_attribute("data-gs-status")
            if not seen or seen[-1] != status:
                seen.append(status)
                if status in {"queued", "processing"}:
                    page.screenshot(path=shots(f"gallery-{status}"))
            if status == "completed":
                break
            time.sleep(0.1)
        assert page.evaluate("window.__sameDocument") is True
        assert [s for s in seen if s in {"queued", "processing", "completed"}] == [
            "queued",
            "processing",
            "completed",
        ]
        assert badge.is_hidden()  # completed badges are hidden by default
        page.screenshot(path=shots("gallery-after"))

        page.goto(f"{demo_server}/admin/genstatus/generation/panel/")
        first_row = page.locator("tr[data-gs-generation]").first
        assert first_row.get_attribute("data-gs-status") == "completed"
        page.screenshot(path=shots("panel-after"), full_page=True)
        assert errors == []
        browser.close()

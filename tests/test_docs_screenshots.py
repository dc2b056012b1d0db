"""The demo as a person meets it, in headless Chromium: the gallery (alice's and demo's),
the login page, every panel tab, an expanded row and a bulk confirmation, at 1440 px and
390 px and in dark mode. Each page is checked (no sideways scroll, no script error, the
content a person looks for); ``GENSTATUS_WRITE_SCREENSHOTS=1`` also writes the pictures
to docs/img/ (docs/panel.md, docs/badge.md and README.md show them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.conftest import login_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
PANEL = "/admin/genstatus/generation/panel/"
TABS = ["", "active", "failed", "completed", "cancelled"]


def shoot(page: Any, tmp_path: Path, name: str, *, full_page: bool = True) -> None:
    width = page.viewport_size["width"]
    wide = page.evaluate(
        """w => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 6)
             .map(e => e.tagName + '.' + e.className + '#' + e.id)""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, wide)
    assert page.js_errors == [], name
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("GENSTATUS_WRITE_SCREENSHOTS"):
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMG / f"{name}.png")


@pytest.fixture
def demo_data(settings: Any) -> None:
    settings.GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None, "runway": None}
    call_command("seed_demo", verbosity=0)


def test_the_panel_tabs_an_expanded_row_and_a_confirmation(
    live_server: Any, page: Any, tmp_path: Path, demo_data: None
) -> None:
    demo = get_user_model().objects.get(username="demo")
    login_browser(page, live_server.url, demo)
    page.set_viewport_size({"width": 1440, "height": 900})
    for status in TABS:
        page.goto(f"{live_server.url}{PANEL}{f'?status={status}' if status else ''}")
        page.wait_for_selector("[data-gs-panel]")
        selected = page.locator(".gs-tab--selected").get_attribute("data-gs-tab")
        assert selected == (status or "all")
        shoot(page, tmp_path, f"panel-{status or 'all'}")

    page.goto(f"{live_server.url}{PANEL}?status=failed")
    row = page.locator("tr[data-gs-generation]").first
    row.locator("summary").click()
    page.wait_for_selector("tr[data-gs-detail-for] [data-gs-detail]")
    assert "History" in page.locator("tr[data-gs-detail-for]").inner_text()
    shoot(page, tmp_path, "panel-expanded", full_page=False)

    boxes = page.locator("input.action-select")
    for index in range(min(3, boxes.count())):
        boxes.nth(index).check()
    page.select_option('select[name="action"]', "retry")
    page.locator('.actions button[type="submit"]').click()
    page.wait_for_selector(".gs-confirm")
    submit = page.locator(".gs-confirm__submit")
    # Retry is not red: the admin's own button colour
    assert "rgb(186, 33, 33)" not in submit.evaluate("e => getComputedStyle(e).backgroundColor")
    shoot(page, tmp_path, "panel-confirm")

    # the classic changelist at 1440 px: every column in view, the prompt readable
    page.goto(f"{live_server.url}/admin/genstatus/generation/")
    last = page.locator("#result_list thead th").last.bounding_box()
    results = page.locator("#changelist .results").bounding_box()
    assert last["x"] + last["width"] <= results["x"] + results["width"] + 1
    prompt = page.locator("#result_list td.field-prompt_preview").first.bounding_box()
    assert prompt["width"] >= 200
    shoot(page, tmp_path, "changelist", full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{PANEL}")
    shoot(page, tmp_path, "panel-phone", full_page=False)

    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}{PANEL}")
    shoot(page, tmp_path, "panel-dark", full_page=False)


def test_the_gallery_and_the_login_as_alice(
    live_server: Any, page: Any, tmp_path: Path, demo_data: None
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/")
    page.wait_for_selector('input[name="username"]')  # the gallery's own login page
    shoot(page, tmp_path, "login")
    page.fill('input[name="username"]', "alice")
    page.fill('input[name="password"]', "alice")
    page.locator('form [type="submit"]').click()
    page.wait_for_selector("[data-gs-badge]")
    cards = page.locator("article.card")
    assert cards.count() == 4  # alice's own four cards
    shoot(page, tmp_path, "gallery-alice")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("[data-gs-badge]")
    shoot(page, tmp_path, "gallery-phone", full_page=False)

    demo = get_user_model().objects.get(username="demo")
    login_browser(page, live_server.url, demo)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("[data-gs-badge]")
    shoot(page, tmp_path, "gallery")
    page.emulate_media(color_scheme="dark")
    page.reload()
    page.wait_for_selector("[data-gs-badge]")
    shoot(page, tmp_path, "gallery-dark")

"""The panel in headless Chromium: rows in every state, a row expanded, no script errors.

``GENSTATUS_WRITE_SCREENSHOTS=1`` also writes docs/img/panel.png (the picture in docs/panel.md).
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.models import Generation
from tests.conftest import login_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"

PROMPTS = [
    (
        "sora",
        "text_to_video",
        "Drone shot over a misty fjord at dawn, slow dolly forward, "
        "volumetric light through low clouds, 35mm anamorphic, 8 seconds",
    ),
    ("pixverse", "image_to_video", "The lighthouse keeper waves from the gallery as waves crash"),
    ("runway", "text_to_image", "Isometric cutaway of a cozy bookshop on a rainy night"),
    ("sora", "video_extend", "Continue the chase through the neon market for four more seconds"),
    ("pixverse", "text_to_image", "Portrait of an astronaut cat, studio lighting, 85mm"),
    ("runway", "image_to_image", "Turn the sketch into a watercolor landscape with autumn colours"),
]


def build_rows(owner):
    asset = Asset.objects.create(owner=owner, title="Fjord", provider="sora")
    made = [
        lifecycle.create_generation(
            provider=provider,
            operation_type=operation,
            prompt=prompt,
            owner=owner,
            asset=asset,
            params={"seed": index, "duration": 8},
        )
        for index, (provider, operation, prompt) in enumerate(PROMPTS)
    ]
    completed, failed, cancelled, processing, queued, _pending = made
    lifecycle.mark_processing(completed)
    lifecycle.mark_completed(completed)
    lifecycle.mark_failed(
        failed, "Provider quota exceeded (429): try again after 60 s", code="quota"
    )
    lifecycle.mark_queued(cancelled)
    lifecycle.request_cancel(cancelled, actor=owner)
    lifecycle.mark_processing(processing)
    lifecycle.report_progress(processing, 40)
    lifecycle.mark_queued(queued)
    retried = lifecycle.create_generation(
        provider="sora",
        operation_type="text_to_video",
        prompt="A paper boat sails down a flooded street, golden hour",
        owner=owner,
        asset=asset,
    )
    lifecycle.mark_failed(retried, "Content policy: blocked by provider", code="policy")
    attempt = lifecycle.retry(retried, actor=owner)
    lifecycle.mark_processing(attempt)
    # spread the creation times so "time ago" reads naturally
    now = timezone.now()
    ages = [timedelta(minutes=m) for m in (2, 7, 18, 45, 95, 190, 300, 1500)]
    ordered = Generation.objects.order_by("-id")
    for generation, age in zip(ordered, ages, strict=False):
        Generation.objects.filter(pk=generation.pk).update(created_at=now - age)
    return failed


def test_panel_renders_every_state_and_expands_a_row(live_server, page, admin_user, tmp_path):
    failed = build_rows(admin_user)
    login_browser(page, live_server.url, admin_user)
    page.goto(f"{live_server.url}/admin/genstatus/generation/panel/")
    assert page.locator("tr[data-gs-generation]").count() == 8
    statuses = set(
        page.locator("tr[data-gs-generation]").evaluate_all(
            "rows => rows.map(row => row.dataset.gsStatus)"
        )
    )
    assert statuses == {"pending", "queued", "processing", "completed", "failed", "cancelled"}
    row = page.locator(f'tr[data-gs-generation="{failed.pk}"]')
    row.locator("summary").click()
    page.wait_for_selector(f'[data-gs-detail="{failed.pk}"]')
    # the detail opens in a full-width row of its own, under the row
    detail_row = page.locator(f'tr[data-gs-detail-for="{failed.pk}"]')
    assert "Status change: pending → failed" in detail_row.inner_text()
    assert detail_row.evaluate("tr => tr.cells[0].colSpan") == row.evaluate("tr => tr.cells.length")
    assert detail_row.evaluate("tr => tr.previousElementSibling.dataset.gsGeneration") == str(
        failed.pk
    )
    # the error is printed once while the detail is open
    assert not row.locator("[data-gs-error]").is_visible()
    row.locator("summary").click()
    detail_row.wait_for(state="detached")  # closing the row takes its detail row away
    assert page.js_errors == []
    path = tmp_path / "panel.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("GENSTATUS_WRITE_SCREENSHOTS"):
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMG / "panel.png")


def open_panel(page, live_server, user, *, width=1440, height=900, query=""):
    page.set_viewport_size({"width": width, "height": height})
    login_browser(page, live_server.url, user)
    page.goto(f"{live_server.url}/admin/genstatus/generation/panel/{query}")


def test_on_a_phone_rows_are_cards_with_their_actions_in_view(live_server, page, admin_user):
    build_rows(admin_user)
    open_panel(page, live_server, admin_user, width=390, height=844)
    wide = page.evaluate(
        """w => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 8)
             .map(e => e.tagName + '.' + e.className + '#' + e.id)""",
        390,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide  # no sideways scroll
    rows = page.locator("tr[data-gs-generation]")
    assert rows.count() == 8
    for index in range(rows.count()):
        row = rows.nth(index)
        row.scroll_into_view_if_needed()
        for action in row.locator("[data-gs-action]").all():
            box = action.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 390, action.inner_text()
    assert page.js_errors == []


def test_a_right_to_left_override_in_a_prompt_leaves_the_rest_of_the_row_in_order(
    live_server, page, admin_user
):
    asset = Asset.objects.create(owner=admin_user, title="RLO", provider="sora")
    evil = lifecycle.create_generation(
        provider="sora",
        operation_type="text_to_image",
        prompt="abc\u202edef",
        owner=admin_user,
        asset=asset,
    )
    lifecycle.mark_failed(evil, "err\u202eor")
    open_panel(page, live_server, admin_user)
    row = page.locator(f'tr[data-gs-generation="{evil.pk}"]')
    # the prompt and the error each sit in their own <bdi>: the override ends there
    assert row.locator("bdi[data-gs-prompt]").inner_text() == "abc\u202edef"
    assert row.locator("[data-gs-error] bdi").inner_text() == "err\u202eor"
    # visually: the id stays left of the prompt, "Retry" left of "Open asset"
    id_box = row.locator(".gs-id").bounding_box()
    prompt_box = row.locator("bdi[data-gs-prompt]").bounding_box()
    assert id_box["x"] + id_box["width"] <= prompt_box["x"] + 1
    retry = row.locator('[data-gs-action="retry"]').bounding_box()
    opener = row.locator('[data-gs-action="open"]').bounding_box()
    assert retry["x"] < opener["x"]


def test_a_running_row_shows_its_progress_and_select_all_ticks_every_row(
    live_server, page, admin_user
):
    build_rows(admin_user)
    open_panel(page, live_server, admin_user)
    bar = page.get_by_role("progressbar")
    assert bar.count() == 1
    assert bar.get_attribute("aria-valuenow") == "40"
    page.locator("[data-gs-select-all]").check()
    boxes = page.locator("input.action-select")
    assert boxes.count() == 8
    assert all(boxes.nth(i).is_checked() for i in range(8))
    boxes.first.uncheck()
    assert page.locator("[data-gs-select-all]").evaluate("box => box.indeterminate")
    assert page.js_errors == []


def test_the_completed_tab_offers_no_bulk_action_and_the_failed_tab_only_retry(
    live_server, page, admin_user
):
    build_rows(admin_user)
    open_panel(page, live_server, admin_user, query="?status=completed")
    assert page.locator('select[name="action"]').count() == 0
    page.goto(f"{live_server.url}/admin/genstatus/generation/panel/?status=failed")
    options = page.locator('select[name="action"] option').evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert options == ["", "retry"]

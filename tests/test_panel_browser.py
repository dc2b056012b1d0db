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
    assert detail_row.count() == 0
    assert page.js_errors == []
    path = tmp_path / "panel.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("GENSTATUS_WRITE_SCREENSHOTS"):
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMG / "panel.png")

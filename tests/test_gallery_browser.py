"""The example gallery in headless Chromium: badges visible, over the card, in every state.

``GENSTATUS_WRITE_SCREENSHOTS=1`` also writes docs/img/gallery.png and gallery-dark.png.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from gallery.models import Asset
from gallery.seed import FAILURES
from genstatus import lifecycle
from genstatus.states import Status
from tests.conftest import login_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"


def screenshot_path(tmp_path: Path, name: str) -> Path:
    if os.environ.get("GENSTATUS_WRITE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG / name
    return tmp_path / name


def box(locator: Any) -> dict[str, float]:
    result = locator.bounding_box()
    assert result is not None, locator
    return result


@pytest.fixture
def demo_gallery(settings: Any, django_user_model: Any) -> Any:
    settings.GENSTATUS_SHOW_COMPLETED = True  # every state on screen
    call_command("seed_demo", verbosity=0)
    demo = django_user_model.objects.get(username="demo")
    source = Asset.objects.filter(owner=demo).order_by("-created_at", "-id")[1]
    for _ in range(2):  # two remixes of one card in flight
        lifecycle.create_generation(
            provider="runway",
            operation_type="image_to_video",
            owner=demo,
            source_assets=[source],
        )
    return demo, source


def test_gallery_badges_in_chromium(live_server, browser, demo_gallery, tmp_path):
    demo, source = demo_gallery
    context = browser.new_context(viewport={"width": 1180, "height": 760})
    page = context.new_page()
    login_browser(page, live_server.url, demo)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector(".card")
    assert page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--gs-blue').trim()"
    ), "genstatus.css is not loaded"

    for status in Status.values:
        card = page.locator("article.card", has=page.locator(f".gs-badge--{status}")).first
        badge = card.locator(".gs-badge")
        assert badge.is_visible(), status
        thumb, card_box, badge_box = box(card.locator(".card__thumb")), box(card), box(badge)
        # over the card's thumbnail, at its top-right corner
        assert card_box["x"] + card_box["width"] / 2 < badge_box["x"]
        assert badge_box["x"] + badge_box["width"] <= card_box["x"] + card_box["width"] - 4
        assert card_box["x"] + card_box["width"] - (badge_box["x"] + badge_box["width"]) < 16
        assert thumb["y"] < badge_box["y"]
        assert badge_box["y"] + badge_box["height"] < thumb["y"] + thumb["height"] / 2
        assert 20 <= badge_box["height"] <= 32
        provider = card.locator(".card__provider")
        if provider.count():  # below the provider badge, not on top of it
            provider_box = box(provider)
            assert badge_box["y"] >= provider_box["y"] + provider_box["height"]

    failed = page.locator(".gs-badge--failed").first
    assert failed.get_attribute("title") in {message for _, message in FAILURES}
    assert failed.get_attribute("aria-label").startswith("Failed: ")

    inflight = page.locator(f'.gs-inflight[data-gs-asset="{source.pk}"]')
    assert inflight.is_visible()
    assert inflight.inner_text().strip() == "2"
    assert box(inflight)["y"] > box(page.locator(f'.gs-badge[data-gs-asset="{source.pk}"]'))["y"]

    spinner = ".gs-badge--processing .gs-icon--loader"
    assert page.eval_on_selector(spinner, "e => getComputedStyle(e).animationName") == "gs-spin"
    page.screenshot(path=str(screenshot_path(tmp_path, "gallery.png")))
    page.emulate_media(reduced_motion="reduce")
    assert page.eval_on_selector(spinner, "e => getComputedStyle(e).animationName") == "none"

    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    background = page.eval_on_selector(
        ".gs-badge--failed", "e => getComputedStyle(e).backgroundColor"
    )
    assert background.startswith("rgba(17, 24, 39")  # the dark badge surface
    assert page.locator(".gs-badge--failed").first.is_visible()
    page.screenshot(path=str(screenshot_path(tmp_path, "gallery-dark.png")))
    context.close()

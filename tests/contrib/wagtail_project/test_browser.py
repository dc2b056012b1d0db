"""Wagtail's admin in headless Debian chromium, served by daphne: badges on the pictures of
the image listing (grid and list) and the image chooser, live when a job worker in another
process moves a generation; the panel in Wagtail's admin; open asset into the editor.

``GENSTATUS_WRITE_SCREENSHOTS=1`` writes docs/img/wagtail-*.png.
"""

from __future__ import annotations

import os

import pytest

from genstatus.models import Generation
from tests.contrib.hosttest import (
    badges_inside_images,
    box,
    chromium,
    log_in,
    screenshot,
    wait_for_badges,
    worker_moves,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GRID = "ul.listing.images:not(.chooser) > li"
LIST = "table.listing tr:has(a.image-choice--list)"
CHOOSER = "ul.listing.images.chooser > li"
live_needs_redis = pytest.mark.skipif(
    not os.environ.get("GENSTATUS_REDIS_URL"),
    reason="changes reach daphne from another process through Redis (GENSTATUS_REDIS_URL)",
)


def card_of(page, cards, image):
    links = f'a[href*="/images/{image.pk}/"], a[href*="/chosen/{image.pk}/"]'
    return page.locator(cards).filter(has=page.locator(links))


@live_needs_redis
def test_grid_badges_sit_on_each_picture_and_change_live(site, admin_user, images, tmp_path):
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/images/")
        wait_for_badges(page, GRID, len(images))
        assert badges_inside_images(page, GRID, ".image img") == len(images)
        assert page.locator(f"{GRID} .gs-badge--pending").count() == len(images)

        first = Generation.objects.get(asset=images[0])
        worker_moves(first.pk, "queued", "processing")
        card = card_of(page, GRID, images[0])
        card.locator(".gs-badge--processing").wait_for(timeout=20_000)
        assert badges_inside_images(page, GRID, ".image img") == len(images)
        screenshot(page, "wagtail-images-grid.png", tmp_path)

        # the layout toggle: Wagtail swaps its results in by fetch; the new cards get badges
        page.locator('#layout-switch-control input[value="list"]').check()
        wait_for_badges(page, LIST, len(images))
        assert badges_inside_images(page, LIST, ".image img") == len(images)
        assert card_of(page, LIST, images[0]).locator(".gs-badge--processing").count()
        assert page.errors == []


@live_needs_redis
def test_list_layout_badges_sit_on_each_preview_and_change_live(site, admin_user, images, tmp_path):
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/images/?layout=list")
        wait_for_badges(page, LIST, len(images))
        assert badges_inside_images(page, LIST, ".image img") == len(images)

        last = Generation.objects.get(asset=images[-1])
        worker_moves(last.pk, "processing", "completed")
        done = card_of(page, LIST, images[-1]).locator(".gs-badge--completed")
        done.wait_for(state="attached", timeout=20_000)
        assert done.is_hidden()  # a completed job's badge hides (GENSTATUS_SHOW_COMPLETED)
        worker_moves(Generation.objects.get(asset=images[0]).pk, "processing")
        card_of(page, LIST, images[0]).locator(".gs-badge--processing").wait_for(timeout=20_000)
        assert badges_inside_images(page, LIST, ".image img") == len(images) - 1
        screenshot(page, "wagtail-images-list.png", tmp_path)
        assert page.errors == []


@live_needs_redis
def test_chooser_badges_sit_on_each_picture_and_change_live(site, admin_user, images, tmp_path):
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/snippets/media/feature/add/")
        page.get_by_role("button", name="Choose an image").click()
        wait_for_badges(page, CHOOSER, len(images))
        assert badges_inside_images(page, CHOOSER, ".image img") == len(images)

        second = Generation.objects.get(asset=images[1])
        worker_moves(second.pk, "failed")
        card_of(page, CHOOSER, images[1]).locator(".gs-badge--failed").wait_for(timeout=20_000)
        assert badges_inside_images(page, CHOOSER, ".image img") == len(images)
        screenshot(page, "wagtail-chooser.png", tmp_path)

        # the chooser's list layout: Wagtail swaps its results in, targets.js finds them
        page.locator('.modal input[name="layout"][value="list"]').check()
        wait_for_badges(page, f".modal {LIST}", len(images))
        assert badges_inside_images(page, f".modal {LIST}", ".image img") == len(images)
        assert card_of(page, f".modal {LIST}", images[1]).locator(".gs-badge--failed").count()
        assert page.errors == []


def test_the_panel_in_wagtails_admin_and_open_asset_lands_on_the_editor(
    site, admin_user, images, tmp_path
):
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/")
        page.locator("#wagtail-sidebar").get_by_text("Generations panel").click()
        page.wait_for_url(f"{site}/admin/generations/")
        page.wait_for_selector('[data-gs-live-indicator][data-gs-state="live"]')
        assert page.locator("tr[data-gs-generation]").count() == len(images)
        table = box(page.locator("#result_list"))
        assert table["x"] + table["width"] <= 1440, "the panel's table fits the page"
        screenshot(page, "wagtail-panel.png", tmp_path)

        page.get_by_role("link", name="Statistics").click()
        page.wait_for_url(f"{site}/admin/generations/stats/")
        page.wait_for_selector(".gs-stats")
        screenshot(page, "wagtail-stats.png", tmp_path)
        page.go_back()

        generation = Generation.objects.get(asset=images[2])
        page.locator(f'tr[data-gs-generation="{generation.pk}"] a[data-gs-action="open"]').click()
        page.wait_for_url(f"{site}/admin/images/{images[2].pk}/")
        assert page.locator("#id_title").input_value() == images[2].title
        assert page.errors == []


def test_on_a_phone(site, admin_user, images, tmp_path):
    with chromium(390, 844) as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/generations/")
        page.wait_for_selector('[data-gs-live-indicator][data-gs-state="live"]')
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1, f"the panel scrolls sideways by {overflow}px"
        screenshot(page, "wagtail-panel-phone.png", tmp_path)
        page.goto(f"{site}/admin/images/")
        wait_for_badges(page, GRID, len(images))
        assert badges_inside_images(page, GRID, ".image img") == len(images)
        screenshot(page, "wagtail-images-phone.png", tmp_path)


def test_the_panel_follows_wagtails_dark_theme(site, admin_user, images, tmp_path):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.theme = "dark"
    profile.save()
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/generations/")
        page.wait_for_selector('[data-gs-live-indicator][data-gs-state="live"]')
        colors = page.evaluate(
            """() => {
                const style = (selector, property) =>
                    getComputedStyle(document.querySelector(selector))[property];
                return [style("main", "backgroundColor"), style(".gs-col-kind", "color"),
                        style(".gs-tab--selected", "backgroundColor")];
            }"""
        )
        assert colors[0] != "rgb(255, 255, 255)", "Wagtail's dark theme is on"
        assert colors[1] != colors[0], "the rows' text shows on the dark page"
        assert colors[2] != "rgb(255, 255, 255)", "the selected tab is dark too"
        screenshot(page, "wagtail-panel-dark.png", tmp_path)

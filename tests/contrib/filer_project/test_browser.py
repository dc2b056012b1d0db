"""django-filer's folder listing in headless Debian chromium, served by daphne: badges on
each file's thumbnail in the table and thumbnail views (none on the subfolder, whose id is
a file's too), live when a job worker in another process moves a generation; open asset
from the panel lands on filer's file page.

``GENSTATUS_WRITE_SCREENSHOTS=1`` writes docs/img/filer-*.png.
"""

from __future__ import annotations

import os

import pytest

from genstatus.models import Generation
from tests.contrib.hosttest import (
    badges_inside_images,
    chromium,
    log_in,
    screenshot,
    wait_for_badges,
    worker_moves,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TABLE = "table#result_list tr"
THUMBS = ".thumbnail-file-item"
live_needs_redis = pytest.mark.skipif(
    not os.environ.get("GENSTATUS_REDIS_URL"),
    reason="changes reach daphne from another process through Redis (GENSTATUS_REDIS_URL)",
)


def card_of(page, cards, image):
    return page.locator(cards).filter(has=page.locator(f'a[href*="/image/{image.pk}/change/"]'))


@live_needs_redis
@pytest.mark.parametrize(
    ("query", "cards", "image", "shot"),
    [
        ("", TABLE, "td.column-icon img", "filer-table.png"),
        ("?_list_type=th", THUMBS, ".item-thumbnail img", "filer-thumbnails.png"),
    ],
)
def test_badges_on_files_only_and_live(
    site, admin_user, folder, images, tmp_path, query, cards, image, shot
):
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}{folder.get_admin_directory_listing_url_path()}{query}")
        wait_for_badges(page, cards, len(images))
        assert badges_inside_images(page, cards, image) == len(images)
        assert page.locator(".gs-badge").count() == len(images)  # the subfolder has none

        generation = Generation.objects.get(asset=images[0])
        worker_moves(generation.pk, "queued", "processing")
        card_of(page, cards, images[0]).locator(".gs-badge--processing").wait_for(timeout=20_000)
        worker_moves(Generation.objects.get(asset=images[1]).pk, "failed")
        card_of(page, cards, images[1]).locator(".gs-badge--failed").wait_for(timeout=20_000)
        assert badges_inside_images(page, cards, image) == len(images)
        screenshot(page, shot, tmp_path)
        assert page.errors == []


@pytest.mark.parametrize(("view", "cards"), [("", TABLE), ("&_list_type=th", THUMBS)])
def test_the_file_picker_shows_the_badges_too(site, admin_user, folder, images, view, cards):
    with chromium() as page:
        log_in(page, site, admin_user)
        listing = folder.get_admin_directory_listing_url_path()
        page.goto(f"{site}{listing}?_popup=1&_pick=file{view}")
        wait_for_badges(page, cards, len(images))
        image = "td.column-icon img" if cards == TABLE else ".item-thumbnail img"
        assert badges_inside_images(page, cards, image) == len(images)
        assert page.locator(".gs-badge").count() == len(images)  # the subfolder has none


def test_open_asset_from_the_panel_lands_on_filers_file_page(site, admin_user, images, tmp_path):
    with chromium() as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}/admin/genstatus/generation/panel/")
        generation = Generation.objects.get(asset=images[2])
        page.locator(f'tr[data-gs-generation="{generation.pk}"] a[data-gs-action="open"]').click()
        page.wait_for_url(f"{site}{images[2].get_admin_change_url()}")
        assert images[2].original_filename in page.content()
        assert page.errors == []


def test_on_a_phone(site, admin_user, folder, images, tmp_path):
    with chromium(390, 844) as page:
        log_in(page, site, admin_user)
        page.goto(f"{site}{folder.get_admin_directory_listing_url_path()}?_list_type=th")
        wait_for_badges(page, THUMBS, len(images))
        assert badges_inside_images(page, THUMBS, ".item-thumbnail img") == len(images)
        screenshot(page, "filer-thumbnails-phone.png", tmp_path)

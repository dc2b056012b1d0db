"""Badges on a host's markup genstatus may not touch (tests/hostproject), in Chromium.

The host's photo page renders a grid of figures, a strip of inline ``<a>`` around
``<img>`` and a table listing, in no block, without a genstatus tag: badges come from
``GENSTATUS_BADGE_TARGETS`` and ``BadgeTargetsMiddleware``. Each badge must lie inside
its image's box, at 1440 and 390 px. ``/photos/wrapped/`` is the same page with
``{% genstatus_badge_wrap %}``.

``GENSTATUS_WRITE_SCREENSHOTS=1`` also writes docs/img/hosts-*.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.states import Status
from tests.conftest import login_browser
from tests.hostproject import settings as host_settings
from tests.test_gallery_browser import box, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = {
    "grid": ".photo-grid figure",
    "strip": "p.strip > a",
    "table": "table.listing tr[data-photo]",
}
WIDTHS = (1440, 390)
HOSTILE = '\u202eevil <b>bold</b> & "quoted"'


@pytest.fixture
def host(settings: Any) -> None:
    """The test server serves the host project (its URLs, templates and targets)."""
    settings.ROOT_URLCONF = host_settings.ROOT_URLCONF
    settings.TEMPLATES = host_settings.TEMPLATES
    settings.GENSTATUS_BADGE_TARGETS = host_settings.GENSTATUS_BADGE_TARGETS


@pytest.fixture
def photos(user: Any) -> list[Asset]:
    """Six photos, one per status and one without a generation."""
    made = []
    for index, status in enumerate([*Status.values, None]):
        photo = Asset.objects.create(owner=user, title=f"Photo {index}")
        made.append(photo)
        if status is None:
            continue
        generation = lifecycle.create_generation(
            provider="sora", operation_type="text_to_image", owner=user, asset=photo
        )
        if status == Status.FAILED:
            lifecycle.mark_failed(generation, HOSTILE, code="policy")
        elif status == Status.COMPLETED:
            lifecycle.mark_processing(generation)
            lifecycle.mark_completed(generation)
        elif status != Status.PENDING:
            lifecycle.transition(generation, status)
    return made


# Every placed badge of a section and its image's box: [card index, badge box, image box].
MEASURE = """([cards, image]) => [...document.querySelectorAll(cards)].map((card, index) => {
  const img = card.querySelector(image);
  const anchor = card.querySelector("[data-gs-anchor]") ||
    (img && img.closest("a, td, figure").querySelector("[data-gs-anchor]")) ||
    (card.nextElementSibling && card.nextElementSibling.matches("[data-gs-anchor]")
      ? card.nextElementSibling : null);
  const shown = anchor && getComputedStyle(anchor).display !== "none";
  const badge = shown && [...anchor.querySelectorAll(".gs-badge")].find((b) => !b.hidden);
  const box = (e) => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  return [index, badge ? box(badge) : null, img ? box(img) : null,
          anchor ? anchor.querySelector(".gs-badge").dataset.gsStatus : null];
})"""


def assert_inside(section: str, width: int, rows: list[Any], *, corner: bool = True) -> int:
    shown = 0
    for index, badge, image, _status in rows:
        if badge is None:
            continue
        shown += 1
        where = f"{section} card {index} at {width} px: badge {badge} image {image}"
        assert image is not None, where
        assert image["w"] > 0, where
        assert badge["x"] >= image["x"] - 0.5, where
        assert badge["y"] >= image["y"] - 0.5, where
        assert badge["x"] + badge["w"] <= image["x"] + image["w"] + 0.5, where
        assert badge["y"] + badge["h"] <= image["y"] + image["h"] + 0.5, where
        if not corner:
            continue
        # at the image's top-right corner
        assert badge["x"] + badge["w"] / 2 > image["x"] + image["w"] / 2, where
        assert badge["y"] + badge["h"] / 2 < image["y"] + image["h"] / 2, where
    return shown


def image_selector(section: str) -> str:
    return "td.thumb img" if section == "table" else "img"


def open_photos(browser: Any, base: str, user: Any, width: int, path: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.badge_requests = []
    page.on("request", lambda r: page.badge_requests.append(r.url) if "/badges/" in r.url else None)
    login_browser(page, base, user)
    page.goto(f"{base}{path}")
    page.wait_for_selector("[data-gs-anchor] .gs-badge", state="attached")
    page.wait_for_function("document.documentElement.dataset.gsLive !== undefined")
    settle(page)
    return context, page


def settle(page: Any) -> None:
    """Wait for two animation frames: targets.js re-places its anchors in the next one."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("path", ["/photos/", "/photos/wrapped/"])
def test_badges_lie_on_their_images_in_grid_strip_and_table(
    live_server: Any,
    browser: Any,
    host: None,
    photos: list[Asset],
    user: Any,
    path: str,
    tmp_path: Path,
) -> None:
    for width in WIDTHS:
        context, page = open_photos(browser, live_server.url, user, width, path)
        for section, cards in SECTIONS.items():
            rows = page.evaluate(MEASURE, [cards, image_selector(section)])
            # five visible badges a section (completed and "none" are hidden)
            shown = assert_inside(section, width, rows)
            assert shown == 5, (section, width, rows)
        statuses = page.eval_on_selector_all(
            ".photo-grid [data-gs-badge]", "bs => bs.map((b) => b.dataset.gsStatus)"
        )
        assert sorted(filter(None, statuses)) == sorted(Status.values)
        if path == "/photos/":
            assert len(page.badge_requests) == 1, page.badge_requests  # one batch for the page
            # the other width in the same page: every anchor is re-placed
            page.set_viewport_size(
                {"width": WIDTHS[1] if width == WIDTHS[0] else WIDTHS[0], "height": 900}
            )
            settle(page)
            for section, cards in SECTIONS.items():
                rows = page.evaluate(MEASURE, [cards, image_selector(section)])
                assert assert_inside(section, -width, rows) == 5
            page.set_viewport_size({"width": width, "height": 900})
            settle(page)
            name = f"hosts-{width}.png"
            page.screenshot(path=str(screenshot_path(tmp_path, name)), full_page=True)
        assert page.js_errors == []
        context.close()


def test_a_failed_badge_shows_hostile_text_as_text(
    live_server: Any, browser: Any, host: None, photos: list[Asset], user: Any
) -> None:
    context, page = open_photos(browser, live_server.url, user, 1440, "/photos/")
    failed = page.locator(".photo-grid .gs-badge--failed")
    assert failed.get_attribute("title") == HOSTILE
    assert page.locator(".photo-grid .gs-badge--failed b").count() == 0
    text = failed.locator("bdi[data-gs-error-text]")
    assert text.text_content() == HOSTILE
    # in the strip the badge sits inside the host's link: a tap opens the error, the link
    # is not followed
    strip = page.locator("p.strip .gs-badge--failed")
    strip.click()
    assert strip.get_attribute("data-gs-open") == ""
    assert strip.locator(".gs-badge__error").is_visible()
    assert page.url == f"{live_server.url}/photos/"
    strip.click()  # closes it
    assert not strip.locator(".gs-badge__error").is_visible()
    # and a click on the image beside the badge still follows the host's link
    link = page.locator("p.strip a", has=page.locator(".gs-badge--failed"))
    image = box(link.locator("img"))
    page.mouse.click(image["x"] + 10, image["y"] + image["height"] - 10)
    page.wait_for_url(f"{live_server.url}/photos/*/")
    assert page.js_errors == []
    context.close()


def test_cards_added_later_get_badges_in_one_request(
    live_server: Any, browser: Any, host: None, photos: list[Asset], user: Any
) -> None:
    context, page = open_photos(browser, live_server.url, user, 1440, "/photos/")
    before = len(page.badge_requests)
    extra = [Asset.objects.create(owner=user, title=f"Late {i}") for i in range(3)]
    for photo in extra:
        lifecycle.create_generation(
            provider="sora", operation_type="text_to_image", owner=user, asset=photo
        )
    page.evaluate(
        """(ids) => { const grid = document.querySelector(".photo-grid");
          for (const id of ids) {
            const figure = document.createElement("figure");
            figure.innerHTML = `<a href="/photos/${id}/"><img src="/photos/${id}/thumb.svg"
              width="320" height="240" alt=""></a><figcaption>Late</figcaption>`;
            grid.append(figure);
          } }""",
        [photo.pk for photo in extra],
    )
    for photo in extra:
        page.wait_for_selector(
            f'.photo-grid [data-gs-badge][data-gs-asset="{photo.pk}"][data-gs-status="pending"]',
            state="attached",
        )
    assert len(page.badge_requests) == before + 1, page.badge_requests
    rows = page.evaluate(MEASURE, [SECTIONS["grid"], "img"])
    assert assert_inside("grid", 1440, rows) == 5 + 3
    assert page.js_errors == []
    context.close()


def test_the_page_gets_the_targets_of_its_path_only(
    client: Any, host: None, photos: list[Asset], user: Any
) -> None:
    client.force_login(user)
    html = client.get("/photos/").content.decode()
    config = html.split('<script type="application/json" data-gs-targets>')[1].split("<")[0]
    cards = [target["cards"] for target in host_settings.GENSTATUS_BADGE_TARGETS]
    assert [target["cards"] for target in json.loads(config)["targets"]] == cards
    assert "data-gs-targets" not in client.get("/photos/wrapped/").content.decode()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_mixin_column_in_a_host_changelist(
    live_server: Any,
    browser: Any,
    host: None,
    photos: list[Asset],
    admin_user: Any,
    width: int,
    tmp_path: Path,
) -> None:
    for photo in photos:  # the admin's user sees every generation
        photo.owner = admin_user
        photo.save()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login_browser(page, live_server.url, admin_user)
    page.goto(f"{live_server.url}/hostadmin/gallery/asset/")
    page.wait_for_selector("td.field-genstatus_badge .gs-badge", state="attached")
    assert page.locator("th.column-genstatus_badge").count() == 1
    badges = page.locator("td.field-genstatus_badge .gs-badge:not([hidden])")
    assert badges.count() == 5
    for index in range(badges.count()):
        badge = badges.nth(index)
        badge.scroll_into_view_if_needed()
        cell = box(badge.locator("xpath=ancestor::td[1]"))
        inner = box(badge)
        assert cell["x"] <= inner["x"]
        assert inner["x"] + inner["width"] <= cell["x"] + cell["width"]
        assert cell["y"] <= inner["y"]
        assert inner["y"] + inner["height"] <= cell["y"] + cell["height"]
    page.screenshot(path=str(screenshot_path(tmp_path, f"hosts-admin-{width}.png")))
    assert errors == []
    context.close()


def test_a_badge_follows_its_card_when_the_host_replaces_the_image(
    live_server: Any, browser: Any, host: None, photos: list[Asset], user: Any
) -> None:
    context, page = open_photos(browser, live_server.url, user, 1440, "/photos/")
    before = len(page.badge_requests)
    page.evaluate(
        """() => { const link = document.querySelector(".photo-grid figure a");
          const old = link.querySelector("img");
          const image = document.createElement("img");
          image.src = old.src; image.alt = ""; image.style.width = "60%";
          old.replaceWith(image);
          document.querySelector(".photo-grid").prepend(document.createElement("hr")); }"""
    )
    page.wait_for_function(
        """() => { const f = document.querySelector(".photo-grid figure");
          const a = f.querySelector("[data-gs-anchor]");
          const image = f.querySelector("img");
          if (!a || !image.complete) return false;
          const r = a.getBoundingClientRect(), q = image.getBoundingClientRect();
          return Math.abs(r.top - q.top) < 1 && Math.abs(r.left - q.left) < 1
            && Math.abs(r.width - q.width) < 1; }"""
    )
    rows = page.evaluate(MEASURE, [SECTIONS["grid"], "img"])
    assert assert_inside("grid", 1440, rows) == 5
    assert len(page.badge_requests) == before  # the same badge, moved: no request
    assert page.js_errors == []
    context.close()


@pytest.mark.parametrize("path", ["/photos/", "/photos/wrapped/"])
def test_badges_follow_a_carousel_that_scrolls_and_hide_where_it_clips(
    live_server: Any, browser: Any, host: None, photos: list[Asset], user: Any, path: str
) -> None:
    context, page = open_photos(browser, live_server.url, user, 390, path)
    seen: list[list[int]] = []
    for left in (0, 400, 10_000):
        page.eval_on_selector(".carousel", "(c, left) => { c.scrollLeft = left; }", left)
        settle(page)
        rows = page.evaluate(MEASURE, [".carousel > a", "img"])
        clip = box(page.locator(".carousel"))
        shown = [index for index, badge, _image, _status in rows if badge is not None]
        assert_inside("carousel", 390, rows, corner=False)
        for index, badge, image, status in rows:
            where = (left, index, badge, image, clip)
            shows = min(image["x"] + image["w"], clip["x"] + clip["width"]) - max(
                image["x"], clip["x"]
            )
            expected = shows >= 48 and status not in {"", "completed"}
            assert (badge is not None) == expected, where
            if badge is not None:  # at the top-right of the part the carousel shows
                right = min(image["x"] + image["w"], clip["x"] + clip["width"])
                assert clip["x"] <= badge["x"], where
                assert right - 16 <= badge["x"] + badge["w"] <= right, where
        seen.append(shown)
    assert seen[0] != seen[2]  # scrolling showed other badges
    # no anchor widens the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []
    context.close()

"""A failed badge's error is readable without a mouse: it opens on tap and on keyboard
focus (a popover, not only ``title``), as rendered by the server and as set by the live
client; the message is isolated for bidi (a U+202E in it reorders nothing else)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.badges import render_badge
from genstatus.live import generation_payload
from tests.conftest import login_browser
from tests.test_live_client_panel import hello_frame

RLO = "\u202e"


@pytest.mark.django_db
def test_a_failed_badge_holds_its_error_in_a_focusable_popover(
    user: Any, asset: Asset, generation: Any
) -> None:
    lifecycle.mark_failed(generation, 'Quota <exceeded> & "more"', code="quota")
    html = str(render_badge(asset, user=user))
    assert 'tabindex="0" data-gs-error' in html
    assert (
        '<span class="gs-badge__error" aria-hidden="true">Failed: '
        "<bdi data-gs-error-text>Quota &lt;exceeded&gt; &amp; &quot;more&quot;</bdi></span>"
    ) in html
    assert 'title="Quota &lt;exceeded&gt; &amp; &quot;more&quot;"' in html  # hover still works


@pytest.mark.django_db
def test_badges_without_an_error_are_not_focusable(
    user: Any, asset: Asset, generation: Any
) -> None:
    assert "tabindex" not in str(render_badge(asset, user=user))  # pending
    lifecycle.mark_failed(generation, "", code="x")
    html = str(render_badge(asset, user=user))
    assert "tabindex" not in html
    assert '<span class="gs-badge__error" aria-hidden="true" hidden>' in html


def touch_page(browser: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return page


def badge_of(page: Any, asset: Asset) -> Any:
    return page.locator(f'[data-gs-badge][data-gs-asset="{asset.pk}"]')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tapping_a_failed_badge_shows_its_error(
    live_server: Any, browser: Any, user: Any, asset: Asset, generation: Any
) -> None:
    lifecycle.mark_failed(generation, "Quota exceeded for this month", code="quota")
    page = touch_page(browser)
    login_browser(page, live_server.url, user)
    page.goto(f"{live_server.url}/")
    badge = badge_of(page, asset)
    popover = badge.locator(".gs-badge__error")
    assert not popover.is_visible()
    badge.tap()
    assert popover.is_visible()
    assert popover.inner_text() == "Failed: Quota exceeded for this month"
    box, viewport = popover.bounding_box(), page.viewport_size
    assert box is not None
    assert box["x"] >= 0  # inside the phone's viewport
    assert box["x"] + box["width"] <= viewport["width"]
    badge.tap()  # a second tap closes it
    assert not popover.is_visible()
    badge.tap()
    page.locator("h1, body").first.tap(position={"x": 5, "y": 5})  # elsewhere: closes
    assert not popover.is_visible()
    assert page.js_errors == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_focus_shows_a_failed_badges_error_and_escape_hides_it(
    live_server: Any, page: Any, user: Any, asset: Asset, generation: Any
) -> None:
    lifecycle.mark_failed(generation, "Content policy", code="policy")
    login_browser(page, live_server.url, user)
    page.goto(f"{live_server.url}/")
    badge = badge_of(page, asset)
    popover = badge.locator(".gs-badge__error")
    for _ in range(40):
        page.keyboard.press("Tab")
        if badge.evaluate("b => document.activeElement === b"):
            break
    else:
        pytest.fail("the failed badge is not reachable with Tab")
    assert popover.is_visible()
    page.keyboard.press("Escape")
    assert not popover.is_visible()
    page.keyboard.press("Enter")
    assert popover.is_visible()
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_badge_the_live_client_turns_failed_opens_on_tap(
    live_server: Any, browser: Any, user: Any, asset: Asset, generation: Any
) -> None:
    page = touch_page(browser)
    sockets: list[Any] = []

    def stand_in(ws: Any) -> None:
        sockets.append(ws)
        ws.on_message(
            lambda message: ws.send(
                json.dumps(
                    {"type": "snapshot", "ref": json.loads(message).get("ref"), "assets": {}}
                )
            )
        )
        ws.send(json.dumps(hello_frame()))

    page.route_web_socket(re.compile(r".*/ws/genstatus/$"), stand_in)
    login_browser(page, live_server.url, user)
    page.goto(f"{live_server.url}/")
    page.wait_for_function("document.documentElement.dataset.gsLive === 'open'")
    lifecycle.mark_failed(generation, f"{RLO}Quota exceeded", code="quota")
    generation.refresh_from_db()
    sockets[-1].send(json.dumps({"type": "updates", "items": [generation_payload(generation)]}))
    badge = badge_of(page, asset)
    page.wait_for_selector(f'[data-gs-asset="{asset.pk}"][data-gs-status="failed"]')
    badge.tap()
    popover = badge.locator(".gs-badge__error")
    assert popover.is_visible()
    assert popover.locator("bdi").inner_text() == f"{RLO}Quota exceeded"
    assert page.js_errors == []
    page.context.close()


# The x position of each character of a text node, in order, and the message's isolation.
GLYPHS = """(element) => {
  const text = [...element.childNodes].find((n) => n.nodeType === 3 && n.data.trim());
  const range = document.createRange();
  const xs = [];
  for (let i = 0; i < text.data.length; i++) {
    if (!text.data[i].trim()) continue;
    range.setStart(text, i); range.setEnd(text, i + 1);
    xs.push(range.getBoundingClientRect().left);
  }
  return xs;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_right_to_left_override_in_the_error_leaves_the_rest_of_the_badge_in_order(
    live_server: Any, page: Any, user: Any, asset: Asset, generation: Any
) -> None:
    """The popover reads "Failed: <message>"; whatever follows the message in the badge
    (here a marker the test adds after it) keeps its order."""
    lifecycle.mark_failed(generation, f"{RLO}evil text", code="x")
    login_browser(page, live_server.url, user)
    page.goto(f"{live_server.url}/")
    badge = badge_of(page, asset)
    badge.click()
    popover = badge.locator(".gs-badge__error")
    assert popover.is_visible()
    bdi = popover.locator("bdi")
    assert bdi.evaluate("e => e.tagName") == "BDI"
    assert bdi.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    popover.evaluate("e => e.append(' after END')")
    label_xs = popover.evaluate(GLYPHS)  # "Failed: " then, after the <bdi>, " after END"
    assert label_xs == sorted(label_xs), label_xs
    tail_xs = popover.evaluate(
        "e => { const t = e.lastChild; const r = document.createRange(); const xs = [];"
        " for (let i = 0; i < t.data.length; i++) { if (!t.data[i].trim()) continue;"
        " r.setStart(t, i); r.setEnd(t, i + 1); xs.push(r.getBoundingClientRect().left); }"
        " return xs; }"
    )
    assert tail_xs == sorted(tail_xs), tail_xs  # left to right, not reversed by the RLO
    assert min(tail_xs) > max(label_xs)
    assert page.js_errors == []

"""live.js on the Generations panel: the tab counts follow the jobs without a reload, and
the live indicator tells the truth (Live only once the socket is open and has had its
snapshot; Polling or Offline otherwise, e.g. when the server has no channel layer).

The socket is Playwright's stand-in (``route_web_socket``); the frames are what
``genstatus.live`` publishes for the real lifecycle calls; the page is the real admin
panel and its counts endpoint."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from genstatus import lifecycle, live
from genstatus.consumers import CLOSE_NO_LAYER
from tests.conftest import login_browser
from tests.test_live_client_panel import PANEL, hello_frame, open_panel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WS = re.compile(r".*/ws/genstatus/$")


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The wire items ``genstatus.live`` publishes (the layer has no listener here)."""
    items: list[dict[str, Any]] = []
    monkeypatch.setattr(live.publisher, "publish", lambda payload, owner_id: items.append(payload))
    return items


def counts(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("[data-gs-count]")]
             .map((e) => [e.dataset.gsCount, e.textContent.trim()]))"""
    )


def wait_count(page: Any, slug: str, text: str) -> None:
    page.wait_for_function(
        "([slug, text]) => document.querySelector(`[data-gs-count='${slug}']`)"
        "?.textContent.trim() === text",
        arg=[slug, text],
        timeout=10_000,
    )


def test_a_job_created_while_the_panel_is_open_is_a_complete_row_and_moves_the_counts(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="a lighthouse", owner=admin_user
    )
    count_requests: list[str] = []
    page.on("request", lambda r: count_requests.append(r.url) if "/counts" in r.url else None)
    stand_in = open_panel(page, live_server.url, admin_user)
    page.evaluate("window.__gsSamePage = true")
    before = counts(page)
    assert (before["all"], before["active"], before["failed"]) == ("1", "1", "0")

    published.clear()
    created = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="a harbour", owner=admin_user
    )
    lifecycle.mark_processing(created)
    stand_in.push(published)
    row = page.locator(f'tr[data-gs-generation="{created.pk}"]')
    row.locator('[data-gs-action="cancel"]').wait_for()
    assert row.locator("input[type=checkbox]").count() == 1  # the complete, server's row
    assert admin_user.get_username() in row.inner_text()
    wait_count(page, "all", "2")
    wait_count(page, "active", "2")

    published.clear()
    lifecycle.mark_failed(created, "Quota exceeded", code="quota")
    stand_in.push(published)
    wait_count(page, "failed", "1")
    wait_count(page, "active", "1")
    live_counts = counts(page)
    assert page.evaluate("window.__gsSamePage") is True  # never reloaded
    # debounced: one request per burst of changes, not one per change
    assert 1 <= len(count_requests) <= 3, count_requests

    page.reload()
    assert counts(page) == live_counts  # what the server renders on a reload
    assert page.js_errors == []


def indicator_log(page: Any) -> None:
    """Record every text and state the indicator and <html> show, from the start."""
    page.add_init_script(
        """
        window.__gsSeen = [];
        new MutationObserver(() => {
          const i = document.querySelector("[data-gs-live-indicator]");
          window.__gsSeen.push([document.documentElement.dataset.gsLive || "",
                                i ? i.textContent : "", i ? i.dataset.gsState : ""]);
        }).observe(document, {subtree: true, childList: true, attributes: true,
                              characterData: true});
        """
    )


def test_without_a_channel_layer_the_panel_polls_and_never_shows_live(
    live_server: Any, page: Any, admin_user: Any
) -> None:
    """The consumer closes with 4503 when the server has no layer (tests/live/
    test_no_layer.py): the page polls the API at once, says so, and does not reconnect."""
    sockets: list[Any] = []

    def refuse(ws: Any) -> None:
        sockets.append(ws)
        ws.close(code=CLOSE_NO_LAYER, reason="")

    page.route_web_socket(WS, refuse)
    indicator_log(page)
    login_browser(page, live_server.url, admin_user)
    with page.expect_request(re.compile(r"/api/genstatus/generations/")):
        page.goto(f"{live_server.url}{PANEL}")
    page.wait_for_function("document.documentElement.dataset.gsLive === 'polling'")
    indicator = page.locator("[data-gs-live-indicator]")
    assert indicator.inner_text() == "Polling"
    assert indicator.get_attribute("data-gs-state") == "polling"
    page.wait_for_timeout(1500)
    assert len(sockets) == 1  # no reconnecting to a server that has no live updates
    seen = page.evaluate("window.__gsSeen")
    assert not [s for s in seen if s[0] == "open" or s[1] == "Live" or s[2] == "live"]
    assert page.js_errors == []


def test_live_only_once_the_open_socket_has_had_its_snapshot(
    live_server: Any, page: Any, admin_user: Any
) -> None:
    """An open socket that has sent no snapshot is not Live; the snapshot makes it Live;
    a closed socket is not Live any more."""
    sockets: list[Any] = []

    def hold(ws: Any) -> None:  # hello, but no snapshot until the test says so
        sockets.append(ws)
        ws.send(json.dumps(hello_frame()))

    page.route_web_socket(WS, hold)
    login_browser(page, live_server.url, admin_user)
    page.goto(f"{live_server.url}{PANEL}")
    page.wait_for_function("() => window.document.readyState === 'complete'")
    deadline = time.monotonic() + 10  # wait for the socket, not a fixed time
    while not sockets and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    page.wait_for_timeout(300)  # and no second one meanwhile
    assert len(sockets) == 1
    indicator = page.locator("[data-gs-live-indicator]")
    assert page.evaluate("document.documentElement.dataset.gsLive") != "open"
    assert indicator.inner_text() == "Offline"

    empty = {"assets": {}, "generations": {}, "panel": []}
    sockets[0].send(json.dumps({"type": "snapshot", "ref": "sync", **empty}))
    page.wait_for_function("document.documentElement.dataset.gsLive === 'open'")
    assert indicator.inner_text() == "Live"

    sockets[0].close(code=1011, reason="")
    page.wait_for_function("document.documentElement.dataset.gsLive !== 'open'")
    assert indicator.inner_text() in {"Offline", "Polling"}
    assert page.js_errors == []


def test_the_stand_in_panel_fixture_still_reaches_live(
    live_server: Any, page: Any, admin_user: Any
) -> None:
    open_panel(page, live_server.url, admin_user)
    assert page.locator("[data-gs-live-indicator]").inner_text() == "Live"


def test_a_rows_progress_bar_moves_with_the_job(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    running = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="a fjord", owner=admin_user
    )
    lifecycle.mark_processing(running)
    lifecycle.report_progress(running, 10)
    stand_in = open_panel(page, live_server.url, admin_user)
    bar = page.locator(f'tr[data-gs-generation="{running.pk}"] [role="progressbar"]')
    assert bar.get_attribute("aria-valuenow") == "10"
    for progress in (47, 80):
        published.clear()
        lifecycle.report_progress(running, progress)
        stand_in.push(published)
        page.wait_for_function(
            "([pk, value]) => document.querySelector("
            "`tr[data-gs-generation='${pk}'] [role=progressbar]`)"
            "?.getAttribute('aria-valuenow') === value",
            arg=[str(running.pk), str(progress)],
            timeout=10_000,
        )
        assert f"{progress}%" in page.locator(f'tr[data-gs-generation="{running.pk}"]').inner_text()

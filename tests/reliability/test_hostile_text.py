"""Hostile text in every field, through every surface that shows it.

The corpus (tests/reliability/payloads.py: script tags, attribute breakers, ``javascript:``
URLs, SVG/onload, ``</textarea>``, template syntax, unicode tricks, a 1 MB prompt) goes
into the prompt, error message, provider and operation type of generations, which are
then shown through:

- the API as JSON (exact round trip), and DRF's browsable API page in Chromium;
- the example gallery's badges (error message → title and accessible name);
- the admin changelist and every generation's change page;
- the Generations panel and each row's detail (fetched and inserted when expanded);
- the live client: WebSocket ``updates`` frames built by ``genstatus.live`` from the rows
  in the database, applied by live.js to gallery badges and panel rows (new rows
  inserted). The socket is Playwright's ``route_web_socket`` standing in for the server,
  so this runs on every tier; the real consumer's frames are tests/live's business.

In Chromium a hook proves that nothing ran: every payload would set ``window.__xss`` or
open a dialog; dialogs, console errors and requests to ``/x`` (the ``<img src=x>`` of the
payloads) are collected. The text must show as text (``textContent`` / attribute values
equal the payload) and the pages stay usable (rows and badges there, a click works).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from gallery.models import Asset
from genstatus import lifecycle, live, panel
from genstatus.models import Generation
from tests.conftest import login_browser
from tests.reliability.payloads import HOSTILE, LONG_ERROR, LONG_PROMPT, for_field

ADMIN = "/admin/genstatus/generation/"
PANEL = ADMIN + "panel/"

# Every (prompt, error) pair: the corpus, plus one with a 1 MB prompt and a 100 kB error.
CASES: list[tuple[str, str]] = [(p, p) for p in HOSTILE] + [(LONG_PROMPT, LONG_ERROR)]
SURFACES = (
    "api.json",
    "api.browsable",
    "gallery.badge",
    "admin.changelist",
    "admin.change_page",
    "panel.rows",
    "panel.detail",
    "live.badge",
    "live.panel_row",
)
PAYLOADS_TRIED = len(CASES)
PAYLOAD_SURFACES = PAYLOADS_TRIED * len(SURFACES)


def html_text(value: str) -> str:
    """What the HTML parser makes of text in markup: CR LF and CR become LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def make_hostile(owner: Any, prompt: str, error: str, *, index: int) -> Generation:
    asset = Asset.objects.create(owner=owner, title=f"card-{index}")
    generation = lifecycle.create_generation(
        provider=for_field(prompt, "provider"),
        operation_type=for_field(prompt, "operation_type"),
        prompt=prompt,
        asset=asset,
        owner=owner,
    )
    lifecycle.mark_failed(generation, error, code="hostile")
    return Generation.objects.get(pk=generation.pk)


@pytest.fixture
def boss(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("boss", password="pw")


@pytest.fixture
def hostile(boss: Any) -> list[Generation]:
    return [make_hostile(boss, p, e, index=i) for i, (p, e) in enumerate(CASES)]


# -- the API as JSON ---------------------------------------------------------------------


@pytest.mark.django_db
def test_api_json_returns_hostile_text_exactly(boss: Any, hostile: list[Generation]) -> None:
    client = Client()
    client.force_login(boss)
    seen: dict[int, dict[str, Any]] = {}
    url: str | None = "/api/genstatus/generations/?page_size=200"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        body = response.json()
        seen.update({item["id"]: item for item in body["results"]})
        url = body["next"]
    for generation in hostile:
        item = seen[generation.pk]
        assert item["prompt"] == generation.prompt
        assert item["error_message"] == generation.error_message
        assert item["provider"] == generation.provider
        assert item["operation_type"] == generation.operation_type
        detail = client.get(f"/api/genstatus/generations/{generation.pk}/").json()
        assert detail["prompt"] == generation.prompt
    statuses = client.get(
        "/api/genstatus/statuses/", {"asset": ",".join(str(g.asset_id) for g in hostile)}
    ).json()["statuses"]
    for generation in hostile:
        assert statuses[str(generation.asset_id)]["error_message"] == generation.error_message


# -- Chromium ----------------------------------------------------------------------------


@dataclass
class Watch:
    """What the page did that it should not have."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    injected_requests: list[str] = field(default_factory=list)
    sockets: list[Any] = field(default_factory=list)

    def check(self, page: Any, where: str) -> None:
        assert page.evaluate("window.__xss") is None, f"a payload ran on {where}"
        assert self.dialogs == [], f"dialogs on {where}: {self.dialogs}"
        assert self.injected_requests == [], f"injected requests on {where}"
        assert self.console_errors == [], f"console errors on {where}: {self.console_errors}"
        assert page.js_errors == [], f"page errors on {where}: {page.js_errors}"


def watch(page: Any) -> Watch:
    found = Watch()

    def on_dialog(dialog: Any) -> None:
        found.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error" and "/favicon.ico" not in str(message.location):
            found.console_errors.append(f"{message.text} at {message.location}")

    def on_request(request: Any) -> None:
        url = request.url
        if re.search(r"/x(\?|$)", url) or url.startswith(("javascript:", "data:text/javascript")):
            found.injected_requests.append(url)

    def on_socket(ws: Any) -> None:
        """Stand in for the genstatus consumer: hello, then an empty snapshot per subscribe
        (the page already shows the database); the test pushes ``updates`` itself."""
        found.sockets.append(ws)

        def on_message(message: Any) -> None:
            frame = json.loads(message)
            if frame.get("type") == "subscribe":
                ws.send(
                    json.dumps(
                        {
                            "type": "snapshot",
                            "ref": frame.get("ref"),
                            "assets": {},
                            "generations": {},
                            "panel": [],
                        }
                    )
                )

        ws.on_message(on_message)
        ws.send(json.dumps({"type": "hello", "protocol": 1, "display": live.all_displays()}))

    page.add_init_script("delete window.__xss;")
    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("request", on_request)
    page.route_web_socket(re.compile(r".*/ws/genstatus/$"), on_socket)
    return found


def push_updates(page: Any, found: Watch, generations: list[Generation], kind: str) -> None:
    """An ``updates`` frame as genstatus.live builds it, through the page's socket."""
    page.wait_for_function("document.documentElement.dataset.gsLive === 'open'")
    items = [live.generation_payload(g, kind) for g in generations]
    found.sockets[-1].send(json.dumps({"type": "updates", "items": items}))


def text_of(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def attr_of(page: Any, selector: str, name: str) -> list[str]:
    return page.eval_on_selector_all(
        selector, "(els, name) => els.map(e => e.getAttribute(name))", name
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_gallery_badges_server_rendered_and_live(
    live_server: Any, page: Any, boss: Any, hostile: list[Generation]
) -> None:
    found = watch(page)
    # Live: cards whose job is still running; the failures arrive over the socket.
    running = []
    for index, (prompt, _error) in enumerate(CASES[:-1]):
        asset = Asset.objects.create(owner=boss, title=f"live-{index}")
        generation = lifecycle.create_generation(
            provider="sora", operation_type="text_to_video", prompt=prompt, asset=asset, owner=boss
        )
        lifecycle.mark_processing(generation)
        running.append(generation)
    login_browser(page, live_server.url, boss)
    page.goto(f"{live_server.url}/?limit=1000")

    cards = len(hostile) + len(running)
    assert page.locator(".card").count() == cards
    for generation in hostile:
        badge = page.locator(f'[data-gs-badge][data-gs-asset="{generation.asset_id}"]')
        assert badge.get_attribute("data-gs-status") == "failed"
        assert badge.get_attribute("title") == html_text(generation.error_message)
        assert badge.get_attribute("aria-label") == f"Failed: {html_text(generation.error_message)}"
    found.check(page, "the gallery")

    failed = []
    for generation, (_prompt, error) in zip(running, CASES, strict=False):
        lifecycle.mark_failed(generation, error)
        failed.append(Generation.objects.get(pk=generation.pk))
    push_updates(page, found, failed, "transition")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-gs-badge][data-gs-status=failed]').length >= n",
        arg=cards,
    )
    for generation in failed:
        badge = page.locator(f'[data-gs-badge][data-gs-asset="{generation.asset_id}"]')
        assert badge.get_attribute("title") == generation.error_message  # set as a property
        assert badge.get_attribute("aria-label") == f"Failed: {generation.error_message}"
        assert badge.locator("svg.gs-icon--alert").count() == 1
    found.check(page, "the gallery after live updates")

    # Still usable: the filter links work and every card is still there.
    page.get_by_role("link", name="Failed", exact=True).click()
    page.wait_for_url("**/?filter=failed")
    assert page.locator(".card").count() == min(cards, 48)
    found.check(page, "the gallery's Failed filter")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_changelist_change_pages_and_browsable_api(
    live_server: Any, page: Any, boss: Any, hostile: list[Generation]
) -> None:
    found = watch(page)
    login_browser(page, live_server.url, boss)
    page.goto(f"{live_server.url}{ADMIN}")
    for generation in hostile:
        row = page.locator(f'#result_list tr:has(input[value="{generation.pk}"])')
        assert row.locator("td.field-prompt_preview").text_content() == html_text(
            panel.preview(generation.prompt, 80)
        )
        # provider · operation in one column, each text isolated and printed as text
        assert row.locator("td.field-kind bdi").all_text_contents() == [
            html_text(generation.provider),
            html_text(generation.operation_type),
        ]
        assert row.locator(".gs-status").get_attribute("title") == html_text(
            generation.error_message
        )
    found.check(page, "the admin changelist")
    # usable: ticking a row selects it (admin's actions.js)
    page.locator(f'input.action-select[value="{hostile[0].pk}"]').check()
    assert "selected" in page.locator("#result_list tr.selected").first.get_attribute("class")

    for generation in hostile:
        page.goto(f"{live_server.url}{ADMIN}{generation.pk}/change/")
        # read-only (changes go through the lifecycle): the values show as text
        for name, value in (
            ("prompt", generation.prompt),
            ("provider", generation.provider),
            ("error_message", generation.error_message),
        ):
            shown = page.locator(f".field-{name} .readonly").text_content()
            assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", value)
        found.check(page, f"the change page of #{generation.pk}")
    # usable: the breadcrumb still leads back to the changelist
    page.locator(".breadcrumbs a", has_text="Generations").first.click()
    page.wait_for_url(f"**{ADMIN}")
    found.check(page, "the changelist after the change pages")

    page.goto(f"{live_server.url}/api/genstatus/generations/?page_size=200")
    body = page.locator("pre").last.text_content()
    for prompt, _error in CASES[:-1]:
        if prompt.isascii() and "\\" not in prompt and '"' not in prompt:
            assert prompt in body
    found.check(page, "the browsable API")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_panel_rows_details_and_live_rows(
    live_server: Any, page: Any, boss: Any, hostile: list[Generation]
) -> None:
    found = watch(page)
    login_browser(page, live_server.url, boss)
    page.goto(f"{live_server.url}{PANEL}")
    for generation in hostile:
        row = f'tr[data-gs-generation="{generation.pk}"]'
        assert text_of(page, f"{row} [data-gs-prompt]") == [
            html_text(panel.preview(generation.prompt, 80))
        ]
        assert attr_of(page, f"{row} summary", "title") == [html_text(generation.prompt)]
        assert text_of(page, f"{row} .gs-col-kind .gs-kind") == [
            html_text(f"{generation.provider} · {generation.operation_type}")
        ]
        assert text_of(page, f"{row} [data-gs-error]") == [html_text(generation.error_message)]
        assert attr_of(page, f"{row} [data-gs-icon-slot]", "title") == [
            html_text(generation.error_message)
        ]
    found.check(page, "the panel")

    # Each row's detail: fetched, parsed and inserted into the page when expanded.
    for generation in hostile:
        page.locator(f'tr[data-gs-generation="{generation.pk}"] summary').click()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-gs-detail-body] [data-gs-detail]').length >= n",
        arg=len(hostile),
    )
    for generation in hostile:
        detail = f'tr[data-gs-detail-for="{generation.pk}"] [data-gs-detail]'
        assert text_of(page, f"{detail} .gs-detail__prompt") == [html_text(generation.prompt)]
        error = text_of(page, f"{detail} p.gs-error")[0]
        assert error.startswith(html_text(generation.error_message))
    found.check(page, "the panel's row details")

    # Live: new generations arrive as updates and are inserted as rows, text as text.
    fresh = [
        make_hostile(boss, prompt, error, index=1000 + i)
        for i, (prompt, error) in enumerate(CASES[:-1])
    ]
    push_updates(page, found, fresh, "created")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-gs-panel] tr[data-gs-generation]').length >= n",
        arg=len(hostile) + len(fresh),
        timeout=10_000,
    )
    for generation in fresh:
        row = f'tr[data-gs-generation="{generation.pk}"]'
        # the row the server renders (the rows endpoint), as a reload shows it
        assert attr_of(page, f"{row} summary", "title") == [html_text(generation.prompt)]
        assert text_of(page, f"{row} .gs-col-kind .gs-kind") == [
            html_text(f"{generation.provider} · {generation.operation_type}")
        ]
        assert text_of(page, f"{row} [data-gs-error]") == [html_text(generation.error_message)]
        assert attr_of(page, f"{row} [data-gs-icon-slot]", "title") == [
            html_text(generation.error_message)
        ]
        assert "gs-new" in (page.locator(row).get_attribute("class") or "")  # highlighted
    found.check(page, "the panel after live rows")

    # Still usable: a tab click loads the Failed tab with every row.
    page.locator(".gs-tabs a", has_text="Failed").first.click()
    page.wait_for_url("**status=failed**")
    assert page.locator("tr[data-gs-generation]").count() == panel.PER_PAGE
    found.check(page, "the panel's Failed tab")


@pytest.mark.browser
def test_the_hook_sees_a_payload_that_runs(page: Any) -> None:
    """The canary is not blind: the same corpus, put into a page unescaped, is caught."""
    found = watch(page)
    page.set_content(f"<div>{''.join(HOSTILE)}</div>")
    page.wait_for_function("window.__xss === 1")
    deadline = time.monotonic() + 10  # wait for the dialog, not a fixed time
    while not found.dialogs and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert found.dialogs  # alert(1) of the unescaped <img onerror>

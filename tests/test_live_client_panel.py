"""live.js on Generations panel rows: a cancel request and a retry show as the server
renders them (the row after a reload), without a reload. The socket is Playwright's
stand-in (``route_web_socket``); the frames are what ``genstatus.live`` publishes for the
real lifecycle calls; the page is the real admin panel."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from genstatus import lifecycle, live, states
from genstatus.models import Generation
from tests.conftest import login_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hello_frame() -> dict[str, Any]:
    """The consumer's ``hello``: display data and the status groups."""
    return {
        "type": "hello",
        "protocol": 1,
        "display": live.all_displays(),
        "groups": states.groups_as_dict(),
    }


PANEL = "/admin/genstatus/generation/panel/"


class StandIn:
    """The consumer's stand-in: hello, an empty snapshot per subscribe; ``push`` sends an
    ``updates`` frame."""

    def __init__(self, page: Any) -> None:
        self.sockets: list[Any] = []
        page.route_web_socket(re.compile(r".*/ws/genstatus/$"), self.on_socket)

    def on_socket(self, ws: Any) -> None:
        self.sockets.append(ws)

        def on_message(message: str) -> None:
            frame = json.loads(message)
            if frame.get("type") in {"subscribe", "resync"}:
                empty = {"assets": {}, "generations": {}, "panel": []}
                ws.send(json.dumps({"type": "snapshot", "ref": frame.get("ref"), **empty}))

        ws.on_message(on_message)
        ws.send(json.dumps(hello_frame()))

    def push(self, items: list[dict[str, Any]]) -> None:
        self.sockets[-1].send(json.dumps({"type": "updates", "items": items}))


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The wire items ``genstatus.live`` publishes (the layer has no listener here)."""
    items: list[dict[str, Any]] = []
    monkeypatch.setattr(live.publisher, "publish", lambda payload, owner_id: items.append(payload))
    return items


def open_panel(page: Any, base_url: str, user: Any) -> StandIn:
    stand_in = StandIn(page)
    login_browser(page, base_url, user)
    page.goto(f"{base_url}{PANEL}")
    page.wait_for_function(
        "document.documentElement.dataset.gsLive === 'open'"
        " && Number(document.documentElement.dataset.gsSynced) >= 1"
    )
    return stand_in


def fjord_job(owner: Any) -> Generation:
    """A pending Sora video job of ``owner``, for a row to watch change."""
    return lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="fjord", owner=owner
    )


def row_parts(page: Any, pk: int) -> dict[str, Any]:
    """What a cancel request or a retry changes in a row, as markup."""
    return page.evaluate(
        """pk => {
          const row = document.querySelector(`tr[data-gs-generation="${pk}"]`);
          const html = (selector) => [...row.querySelectorAll(selector)].map((e) => e.outerHTML);
          return {
            version: row.dataset.gsVersion,
            notes: html(".gs-col-prompt .gs-note"),
            retried: html(".gs-col-actions .gs-retried-as"),
            actions: [...row.querySelectorAll("[data-gs-action]")].map((e) => e.dataset.gsAction),
          };
        }""",
        pk,
    )


def test_a_cancel_request_removes_cancel_and_shows_the_note_as_the_server_does(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    generation = fjord_job(admin_user)
    lifecycle.mark_processing(generation)
    stand_in = open_panel(page, live_server.url, admin_user)
    before = row_parts(page, generation.pk)
    assert (before["notes"], before["actions"]) == ([], ["cancel"])

    published.clear()
    lifecycle.request_cancel(generation, actor=admin_user)  # no provider: stays processing
    [item] = published
    assert (item["kind"], item["status"], item["cancel_requested"]) == (
        "cancel_requested",
        "processing",
        True,
    )
    stand_in.push(published)
    page.wait_for_selector(f'tr[data-gs-generation="{generation.pk}"] .gs-note')
    live_row = row_parts(page, generation.pk)

    page.reload()
    server_row = row_parts(page, generation.pk)
    assert server_row["notes"] == ['<div class="gs-note">Cancel requested</div>']
    assert live_row == server_row  # note, no Cancel button, version
    assert page.js_errors == []


def test_the_note_goes_when_the_cancelled_row_finishes(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    generation = fjord_job(admin_user)
    lifecycle.mark_processing(generation)
    lifecycle.request_cancel(generation, actor=admin_user)
    stand_in = open_panel(page, live_server.url, admin_user)
    assert row_parts(page, generation.pk)["notes"] == [
        '<div class="gs-note">Cancel requested</div>'
    ]

    published.clear()
    lifecycle.mark_cancelled(generation, message="The provider confirmed.")
    stand_in.push(published)
    page.wait_for_selector(f'tr[data-gs-generation="{generation.pk}"][data-gs-status="cancelled"]')
    assert row_parts(page, generation.pk)["notes"] == []
    assert page.js_errors == []


def test_a_retry_replaces_the_retry_button_with_the_link_as_the_server_does(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    generation = fjord_job(admin_user)
    lifecycle.mark_failed(generation, "Content policy: <blocked>", code="policy")
    stand_in = open_panel(page, live_server.url, admin_user)
    before = row_parts(page, generation.pk)
    assert (before["retried"], before["actions"]) == ([], ["retry"])

    published.clear()
    attempt = lifecycle.retry(generation, actor=admin_user)
    original = next(item for item in published if item["generation_id"] == generation.pk)
    assert (original["kind"], original["retried_as"]) == ("retried", attempt.pk)
    stand_in.push(published)
    page.wait_for_selector(f'tr[data-gs-generation="{generation.pk}"] .gs-retried-as')
    live_row = row_parts(page, generation.pk)
    assert live_row["version"] == str(Generation.objects.get(pk=generation.pk).version)

    page.reload()
    server_row = row_parts(page, generation.pk)
    assert server_row["retried"] == [
        f'<a class="gs-retried-as" href="/admin/genstatus/generation/{attempt.pk}/change/">'
        f"retried as #{attempt.pk}</a>"
    ]
    assert live_row == server_row  # the link, no Retry button, version
    assert page.js_errors == []


def row_html(page: Any, pk: int) -> str | None:
    return page.evaluate(
        'pk => document.querySelector(`tr[data-gs-generation="${pk}"]`)?.outerHTML ?? null', pk
    )


def test_a_generation_created_while_the_panel_is_open_appears_as_the_reloaded_row(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    """The inserted row is the server's row: checkbox, owner, labels and actions, the same
    HTML as after a reload (plus the ``gs-new`` highlight); the "no generations"
    placeholder goes."""
    stand_in = open_panel(page, live_server.url, admin_user)
    assert page.locator("[data-gs-panel] tr.gs-empty").count() == 1

    published.clear()
    created = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="a <b>harbour</b>", owner=admin_user
    )
    stand_in.push(published)
    page.wait_for_selector(f'tr[data-gs-generation="{created.pk}"]')
    live_row = row_html(page, created.pk)
    assert live_row is not None
    # highlighted as new (panel.css animates .gs-new); otherwise the server's row
    assert ' gs-new"' in live_row.split(">", 1)[0]
    live_row = live_row.replace(' gs-new"', '"', 1)
    assert page.locator("[data-gs-panel] tr.gs-empty").count() == 0
    row = page.locator(f'tr[data-gs-generation="{created.pk}"]')
    assert row.locator("input[type=checkbox]").count() == 1
    assert row.locator('[data-gs-action="cancel"]').count() == 1
    assert admin_user.get_username() in row.inner_text()

    page.reload()
    assert row_html(page, created.pk) == live_row
    assert page.js_errors == []


def test_a_changed_row_is_replaced_by_the_servers_row_only_when_newer(
    live_server: Any, page: Any, admin_user: Any, published: list[dict[str, Any]]
) -> None:
    generation = fjord_job(admin_user)
    stand_in = open_panel(page, live_server.url, admin_user)
    published.clear()
    lifecycle.mark_failed(generation, "Quota <exceeded>", code="quota")
    stand_in.push(published)
    page.wait_for_selector(f'tr[data-gs-generation="{generation.pk}"][data-gs-status="failed"]')
    live_row = row_html(page, generation.pk)
    stale = {**published[-1], "version": 1, "status": "pending"}
    stand_in.push([stale])  # an older version changes nothing (no fetch, no replace)
    page.wait_for_timeout(300)
    assert row_html(page, generation.pk) == live_row
    page.reload()
    assert row_html(page, generation.pk) == live_row
    assert page.js_errors == []

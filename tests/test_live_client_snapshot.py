"""live.js and a snapshot that says an asset has no generation any more (its job completed
into another asset): the active badge there is cleared instead of spinning forever. The
socket is Playwright's stand-in (``route_web_socket``); the page is the real gallery."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gallery.models import Asset
from genstatus import lifecycle
from tests.conftest import login_browser
from tests.test_live_client_panel import hello_frame

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stand_in_socket(page: Any, snapshots: list[dict[str, Any]]) -> None:
    def on_socket(ws: Any) -> None:
        def on_message(message: str) -> None:
            frame = json.loads(message)
            if frame.get("type") in {"subscribe", "resync"}:
                reply = snapshots.pop(0) if snapshots else {"assets": {}}
                ws.send(
                    json.dumps(
                        {
                            "type": "snapshot",
                            "ref": frame.get("ref"),
                            "generations": {},
                            "panel": [],
                            **reply,
                        }
                    )
                )

        ws.on_message(on_message)
        ws.send(json.dumps(hello_frame()))

    page.route_web_socket(re.compile(r".*/ws/genstatus/$"), on_socket)


def test_a_null_snapshot_entry_clears_an_active_badge_only(live_server, page, user):
    placeholder = Asset.objects.create(owner=user, title="placeholder")
    finished = Asset.objects.create(owner=user, title="finished")
    running = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", asset=placeholder, owner=user
    )
    lifecycle.mark_processing(running)
    done = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", asset=finished, owner=user
    )
    lifecycle.mark_failed(done, "boom")
    # the server's snapshot: the job completed into another asset; both now say "none"
    stand_in_socket(page, [{"assets": {str(placeholder.pk): None, str(finished.pk): None}}])
    login_browser(page, live_server.url, user)
    page.goto(f"{live_server.url}/")
    page.wait_for_function("Number(document.documentElement.dataset.gsSynced) >= 1")
    cleared = page.locator(f'.gs-badge[data-gs-asset="{placeholder.pk}"]')
    assert cleared.get_attribute("data-gs-status") == ""
    assert "gs-badge--none" in cleared.get_attribute("class")
    assert cleared.is_hidden()
    assert cleared.locator("svg").count() == 0
    kept = page.locator(f'.gs-badge[data-gs-asset="{finished.pk}"]')
    assert kept.get_attribute("data-gs-status") == "failed"  # terminal: left as it was
    assert kept.is_visible()
    assert page.js_errors == []

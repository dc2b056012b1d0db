"""The gallery in Chromium against daphne: badges change without reload, across a restart.

Playwright's async API here: the sync API (tests/conftest.py's ``browser``) leaves a
running loop in the main thread for the whole session, which breaks the async tests that
pytest runs after it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from genstatus import lifecycle
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.live.conftest import Daphne, orm

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def session_cookie(user: Any, url: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": url}


async def wait_synced(page: Any, at_least: int) -> None:
    await page.wait_for_function(
        "n => document.documentElement.dataset.gsLive === 'open'"
        " && Number(document.documentElement.dataset.gsSynced || 0) >= n",
        arg=at_least,
        timeout=15_000,
    )


async def test_gallery_badge_follows_the_server_without_reload_and_across_a_restart(
    daphne_server: Daphne, user: Any, asset: Any, make_generation: Any
) -> None:
    from playwright.async_api import async_playwright

    generation = await orm(make_generation, prompt="a lighthouse")
    cookie = await orm(session_cookie, user, daphne_server.url)
    selector = f'[data-gs-badge][data-gs-asset="{asset.pk}"]'
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = await browser.new_context()
        await context.add_cookies([cookie])
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{daphne_server.url}/")
        badge = page.locator(selector)
        assert await badge.get_attribute("data-gs-status") == "pending"
        await page.evaluate("window.__gsSamePage = true")
        await wait_synced(page, 1)

        await orm(lifecycle.mark_processing, generation)
        await orm(lifecycle.report_progress, generation, 40)
        await page.wait_for_selector(
            f'{selector}[data-gs-status="processing"][data-gs-progress="40"]', state="attached"
        )
        assert "gs-badge--processing" in await badge.get_attribute("class")
        assert await badge.locator("svg.gs-icon--loader").count() == 1
        assert (await badge.get_attribute("aria-label")).startswith("Processing")

        # The server goes away; the change made meanwhile is published to nobody.
        daphne_server.stop()
        await page.wait_for_function("document.documentElement.dataset.gsLive !== 'open'")
        await orm(lifecycle.mark_failed, generation, "Quota <exceeded>", code="quota")
        daphne_server.start()

        # The page reconnects by itself, and its snapshot shows the right status.
        await wait_synced(page, 2)
        await page.wait_for_selector(f'{selector}[data-gs-status="failed"]', state="attached")
        assert await badge.get_attribute("title") == "Quota <exceeded>"
        assert "gs-status--red" in await badge.get_attribute("class")
        assert await badge.locator("svg.gs-icon--alert").count() == 1
        assert await badge.get_attribute("data-gs-version") == str(generation.version)
        assert await page.evaluate("window.__gsSamePage") is True  # never reloaded
        assert errors == []
        await browser.close()

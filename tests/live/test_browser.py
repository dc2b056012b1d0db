"""The gallery in Chromium against daphne: badges change without reload, across a restart.

Playwright's async API here: the sync API (tests/conftest.py's ``browser``) leaves a
running loop in the main thread for the whole session, which breaks the async tests that
pytest runs after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def logged_in_page(cookie: dict[str, str]) -> AsyncIterator[tuple[Any, list[str]]]:
    """A Chromium page carrying the session ``cookie``, and the page errors it records."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context()
            await context.add_cookies([cookie])
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, errors
        finally:
            await browser.close()


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
    generation = await orm(make_generation, prompt="a lighthouse")
    cookie = await orm(session_cookie, user, daphne_server.url)
    selector = f'[data-gs-badge][data-gs-asset="{asset.pk}"]'
    async with logged_in_page(cookie) as (page, errors):
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


async def test_panel_rows_show_a_cancel_request_and_a_retry_without_reload(
    daphne_server: Daphne, django_user_model: Any, make_generation: Any
) -> None:
    """What another process does to two rows reaches the open panel: the processing row
    loses Cancel and says "Cancel requested"; the failed row loses Retry and links to the
    new attempt."""
    boss = await orm(django_user_model.objects.create_superuser, "boss", password="pw")
    running = await orm(make_generation, owner=boss, prompt="a fjord at dawn")
    await orm(lifecycle.mark_processing, running)
    failed = await orm(make_generation, owner=boss, prompt="a paper boat")
    await orm(lifecycle.mark_failed, failed, "Content policy", code="policy")
    cookie = await orm(session_cookie, boss, daphne_server.url)
    running_row = f'[data-gs-panel] tr[data-gs-generation="{running.pk}"]'
    failed_row = f'[data-gs-panel] tr[data-gs-generation="{failed.pk}"]'
    async with logged_in_page(cookie) as (page, errors):
        await page.goto(f"{daphne_server.url}/admin/genstatus/generation/panel/")
        assert await page.locator(f'{running_row} [data-gs-action="cancel"]').count() == 1
        assert await page.locator(f'{failed_row} [data-gs-action="retry"]').count() == 1
        await page.evaluate("window.__gsSamePage = true")
        await wait_synced(page, 1)

        await orm(lifecycle.request_cancel, running, actor=boss)  # no provider: a request
        attempt = await orm(lifecycle.retry, failed, actor=boss)
        await page.wait_for_selector(f"{running_row} .gs-note", state="attached")
        await page.wait_for_selector(f"{failed_row} .gs-retried-as", state="attached")
        assert await page.locator(f"{running_row} .gs-note").inner_text() == "Cancel requested"
        assert await page.locator(f'{running_row} [data-gs-action="cancel"]').count() == 0
        link = page.locator(f"{failed_row} .gs-retried-as")
        assert await link.inner_text() == f"retried as #{attempt.pk}"
        assert await link.get_attribute("href") == (
            f"/admin/genstatus/generation/{attempt.pk}/change/"
        )
        assert await page.locator(f'{failed_row} [data-gs-action="retry"]').count() == 0
        assert await page.evaluate("window.__gsSamePage") is True  # never reloaded
        assert errors == []

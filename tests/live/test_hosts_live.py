"""The host project (tests/hostproject) against daphne: badges placed from settings only,
and the admin mixin's column, change without reload when another process changes a job.

Changes are made by a separate OS process (``tests.live.worker_change``), like a job
worker on another machine; they reach daphne through Redis.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from gallery.models import Asset
from genstatus import lifecycle
from tests.live.conftest import ROOT, Daphne, free_port, orm, require_shared_database
from tests.live.test_browser import logged_in_page, session_cookie, wait_synced

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def host_server() -> Iterator[Daphne]:
    """daphne serving the host project's settings (its URLs, templates and targets)."""
    require_shared_database()
    server = Daphne(free_port(), env={"DJANGO_SETTINGS_MODULE": "tests.hostproject.settings"})
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def worker(*args: str) -> None:
    """Change generations in another OS process (tests/live/worker_change.py)."""
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.live.server_settings",
        "GENSTATUS_LIVE_DB_NAME": str(settings.DATABASES["default"]["NAME"]),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.live.worker_change", *args, cwd=ROOT, env=env
    )
    assert await asyncio.wait_for(process.wait(), 60) == 0


def make_photos(user: Any) -> tuple[Asset, Any]:
    photos = [Asset.objects.create(owner=user, title=f"Photo {i}") for i in range(3)]
    generation = lifecycle.create_generation(
        provider="sora", operation_type="text_to_image", owner=user, asset=photos[1]
    )
    return photos[1], generation


async def badge_inside_image(page: Any, card: str) -> bool:
    return bool(
        await page.evaluate(
            """(card) => { const c = document.querySelector(card);
              const b = c.querySelector("[data-gs-anchor] .gs-badge:not([hidden])");
              const i = c.querySelector("img");
              if (!b || !i) return false;
              const r = b.getBoundingClientRect(), q = i.getBoundingClientRect();
              return r.left >= q.left && r.top >= q.top && r.right <= q.right + 0.5
                && r.bottom <= q.bottom + 0.5; }""",
            card,
        )
    )


async def test_a_placed_badge_changes_live_when_another_process_changes_its_job(
    host_server: Daphne, user: Any
) -> None:
    photo, generation = await orm(make_photos, user)
    cookie = await orm(session_cookie, user, host_server.url)
    badge = f'[data-gs-anchor] [data-gs-badge][data-gs-asset="{photo.pk}"]'
    row = f'table.listing tr[data-photo="{photo.pk}"]'
    async with logged_in_page(cookie) as (page, errors):
        await page.goto(f"{host_server.url}/photos/")
        await page.wait_for_selector(f'{badge}[data-gs-status="pending"]', state="attached")
        assert await page.locator(badge).count() == 4  # grid, strip, carousel and table
        await page.evaluate("window.__gsSamePage = true")
        await wait_synced(page, 1)

        await worker(str(generation.pk), "processing")
        await page.wait_for_selector(f'{badge}[data-gs-status="processing"]', state="attached")
        await worker(str(generation.pk), "failed")
        await page.wait_for_selector(f'{badge}[data-gs-status="failed"]', state="attached")
        assert await page.locator(f'{badge}[data-gs-status="failed"]').count() == 4
        title = await page.locator(f"{row} .gs-badge--failed").get_attribute("title")
        assert title == "Failed in the worker process"
        assert await badge_inside_image(page, row)
        assert await page.evaluate("window.__gsSamePage") is True
        assert errors == []


async def test_the_admin_mixin_column_is_live_in_a_host_changelist(
    host_server: Daphne, django_user_model: Any
) -> None:
    boss = await orm(django_user_model.objects.create_superuser, "boss", password="pw")
    photo, generation = await orm(make_photos, boss)
    cookie = await orm(session_cookie, boss, host_server.url)
    badge = f'td.field-genstatus_badge [data-gs-badge][data-gs-asset="{photo.pk}"]'
    async with logged_in_page(cookie) as (page, errors):
        await page.goto(f"{host_server.url}/hostadmin/gallery/asset/")
        await page.wait_for_selector(f'{badge}[data-gs-status="pending"]', state="attached")
        assert await page.locator("td.field-genstatus_badge").count() == 3
        await wait_synced(page, 1)

        await worker(str(generation.pk), "queued")
        await page.wait_for_selector(f'{badge}[data-gs-status="queued"]', state="attached")
        await worker(str(generation.pk), "processing")
        await page.wait_for_selector(f'{badge}[data-gs-status="processing"]', state="attached")
        assert await page.locator(badge).is_visible()
        assert errors == []

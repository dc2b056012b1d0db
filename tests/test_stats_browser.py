"""The Statistics page and the panel's health banner in headless Chromium, at 1440 px and
390 px, light and dark: nothing scrolls sideways, no script error, the charts and the
banner show. ``GENSTATUS_WRITE_SCREENSHOTS=1`` writes the pictures to docs/img/
(docs/observability.md shows them)."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from genstatus.maintenance import record_run
from genstatus.models import Generation
from tests.conftest import login_browser
from tests.test_docs_screenshots import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATS = "/admin/genstatus/generation/panel/stats/"
PANEL = "/admin/genstatus/generation/panel/"
OPERATIONS = ["text_to_image", "text_to_video", "image_to_video"]
CODES = ["quota", "timeout", "content_policy", "stale"]


@pytest.fixture
def day_of_jobs(settings: Any) -> Any:
    """A day of work: Sora failing about 30 % since the morning, Pixverse slowing down,
    Runway steady; three jobs stuck, two waiting, a reaper silent for 20 minutes."""
    settings.GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None, "runway": None}
    rng = random.Random(20)
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    now = timezone.now()
    jobs = []
    for index in range(900):
        provider = rng.choice(["pixverse", "pixverse", "sora", "sora", "runway"])
        age = timedelta(minutes=rng.uniform(3, 24 * 60))
        created = now - age
        late = age < timedelta(hours=9)
        fails = (provider == "sora" and late and rng.random() < 0.3) or rng.random() < 0.03
        slow = 2.0 if provider == "pixverse" and late else 1.0
        started = created + timedelta(seconds=rng.uniform(1, 40))
        finished = started + timedelta(seconds=rng.uniform(20, 160) * slow)
        cancelled = not fails and rng.random() < 0.02
        status = "failed" if fails else "cancelled" if cancelled else "completed"
        jobs.append(
            Generation(
                owner=admin,
                provider=provider,
                operation_type=OPERATIONS[index % 3],
                prompt=f"job {index}",
                status=status,
                error_code=rng.choice(CODES[:2] if provider == "sora" else CODES) if fails else "",
                created_at=created,
                updated_at=finished,
                started_at=started,
                finished_at=finished,
            )
        )
    stale = now - timedelta(minutes=40)
    for index in range(3):
        jobs.append(
            Generation(
                owner=admin,
                provider="sora",
                operation_type="text_to_video",
                prompt=f"stuck {index}",
                status="processing",
                created_at=stale,
                updated_at=stale,
                started_at=stale,
                heartbeat_at=stale,
            )
        )
    waiting = now - timedelta(hours=2)
    for index in range(2):
        jobs.append(
            Generation(
                owner=admin,
                provider="runway",
                operation_type="text_to_image",
                prompt=f"waiting {index}",
                status="queued",
                created_at=waiting,
                updated_at=waiting,
            )
        )
    Generation.objects.bulk_create(jobs)
    record_run("reap", now - timedelta(minutes=20))
    return admin


def test_the_statistics_page_and_the_health_banner(
    live_server: Any, page: Any, tmp_path: Path, day_of_jobs: Any
) -> None:
    login_browser(page, live_server.url, day_of_jobs)
    for width, suffix in ((1440, ""), (390, "-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            dark = "-dark" if scheme == "dark" else ""
            page.goto(f"{live_server.url}{STATS}?window=24h")
            page.wait_for_selector(".gs-chart__svg")
            assert page.locator(".gs-chart__svg").count() == 3
            assert page.locator("[data-gs-health]").count() >= 1
            assert page.locator(".gs-chart__failed").first.is_visible()
            shoot(page, tmp_path, f"stats{suffix}{dark}")
            page.goto(f"{live_server.url}{PANEL}")
            page.wait_for_selector("[data-gs-panel]")
            banner = page.locator("ul.gs-health")
            assert banner.is_visible()
            text = banner.inner_text()
            assert "3 jobs look stuck" in text
            assert "2 jobs have been pending or queued" in text
            assert "last ran 20" in text
            shoot(page, tmp_path, f"panel-health{suffix}{dark}", full_page=False)

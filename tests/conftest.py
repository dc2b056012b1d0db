"""Shared fixtures, and the tier banner: which services this run used."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.models import Generation
from tests.panel_data import every_state, panel_client  # noqa: F401 - shared fixtures


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    return [f"genstatus tier: database={database} channel layer={layer}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need PostgreSQL or Redis run in the second tier, never silently elsewhere."""
    on_postgres = os.environ.get("GENSTATUS_DB") == "postgres"
    on_redis = bool(os.environ.get("GENSTATUS_REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL tier only (GENSTATUS_DB=postgres)"))
        if "redis" in item.keywords and not on_redis:
            item.add_marker(pytest.mark.skip(reason="Redis tier only (GENSTATUS_REDIS_URL)"))


@pytest.fixture(scope="session", autouse=True)
def _end_stray_postgres_sessions(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Before the test database is dropped, end the sessions that server subprocesses and
    threads (daphne, live_server, worker scripts) may have left open: otherwise PostgreSQL
    refuses the DROP ("being accessed by other users") and the next run starts dirty."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("owner", password="pw")


@pytest.fixture
def other_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("other", password="pw")


@pytest.fixture
def asset(user: Any) -> Asset:
    return Asset.objects.create(owner=user, title="Lighthouse", provider="pixverse")


@pytest.fixture
def make_generation(user: Any, asset: Asset) -> Any:
    def make(**kwargs: Any) -> Generation:
        kwargs.setdefault("provider", "pixverse")
        kwargs.setdefault("operation_type", "text_to_image")
        kwargs.setdefault("prompt", "a lighthouse at dusk")
        kwargs.setdefault("asset", asset)
        kwargs.setdefault("owner", user)
        return lifecycle.create_generation(**kwargs)

    return make


@pytest.fixture
def generation(make_generation: Any) -> Generation:
    return make_generation()


# Browser tests: Debian's chromium driven by Playwright (never a downloaded browser).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A headless Chromium for one test. Playwright's sync API runs an event loop in this
    thread while it is open, so ORM calls from the test need DJANGO_ALLOW_ASYNC_UNSAFE;
    function scope closes that loop before the next (possibly async) test starts."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    yield page
    context.close()


def login_browser(page: Any, base_url: str, user: Any) -> None:
    """Give the browser a session cookie for ``user`` (no login form round trip)."""
    from django.conf import settings as django_settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def drop_postgres_database(name: str) -> None:
    """Drop a database a test made on the PostgreSQL server (a benchmark's), sessions and
    all: each test run has its own (``GENSTATUS_TEST_DB_SUFFIX``), none is left behind."""
    import psycopg

    with psycopg.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        user=os.environ.get("PGUSER", "postgres"),
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

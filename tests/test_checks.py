import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent

# Django 6 runs database checks too
pytestmark = pytest.mark.django_db


def genstatus_ids(**settings):
    with override_settings(**settings):
        return sorted(m.id for m in run_checks() if m.id and m.id.startswith("genstatus."))


def test_configured_project_passes():
    assert genstatus_ids() == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"GENSTATUS_ASSET_MODEL": ""}, ["genstatus.E001"]),
        ({"GENSTATUS_ASSET_MODEL": "Asset"}, ["genstatus.E002"]),
        ({"GENSTATUS_ASSET_MODEL": "gallery.Nope"}, ["genstatus.E003"]),
        ({"CHANNEL_LAYERS": {}}, ["genstatus.W001"]),
        ({"GENSTATUS_MAX_RETRIES": -1}, ["genstatus.E004"]),
        ({"GENSTATUS_STALE_AFTER": "soon"}, ["genstatus.E004"]),
        ({"GENSTATUS_LIVE_USER_RECHECK": 0}, ["genstatus.E004"]),
        ({"GENSTATUS_STALE_AFTER": timedelta(seconds=0)}, ["genstatus.E004"]),
        ({"GENSTATUS_QUEUED_STALE_AFTER": 0}, ["genstatus.E004"]),
        ({"GENSTATUS_QUEUED_STALE_AFTER": "an hour"}, ["genstatus.E004"]),
        ({"GENSTATUS_OPERATION_TYPES": ["upscale"]}, ["genstatus.E005"]),
        ({"GENSTATUS_PROVIDERS": ["pixverse"]}, ["genstatus.E006"]),
        ({"GENSTATUS_PROVIDERS": {"pixverse": "nowhere.Provider"}}, ["genstatus.E007"]),
        ({"GENSTATUS_OPEN_ASSET_URL": "nowhere.url"}, ["genstatus.E008"]),
    ],
)
def test_misconfiguration_is_reported_with_its_id(settings, expected):
    assert genstatus_ids(**settings) == expected


def test_an_asset_app_without_migrations_is_named_before_migrate(settings):
    """A database check: migrate runs it (makemigrations, which fixes it, does not)."""
    from django.core.checks import run_checks

    settings.MIGRATION_MODULES = {"gallery": "gallery.no_migrations_here"}
    assert genstatus_ids() == []
    errors = [m for m in run_checks(databases=["default"]) if m.id == "genstatus.E011"]
    assert len(errors) == 1
    assert "makemigrations gallery" in errors[0].hint
    settings.MIGRATION_MODULES = {}
    assert not [m for m in run_checks(databases=["default"]) if m.id == "genstatus.E011"]


def test_queued_stale_after_none_turns_the_lost_job_reaper_off():
    assert genstatus_ids(GENSTATUS_QUEUED_STALE_AFTER=None) == []


def test_live_off_needs_no_channel_layer():
    assert genstatus_ids(CHANNEL_LAYERS={}, GENSTATUS_LIVE=False) == []


def test_valid_extra_settings_pass():
    assert (
        genstatus_ids(
            GENSTATUS_OPERATION_TYPES=[("upscale", "Upscale")],
            GENSTATUS_STALE_AFTER=timedelta(minutes=5),
            GENSTATUS_QUEUED_STALE_AFTER=timedelta(hours=2),
            GENSTATUS_OPEN_ASSET_URL="django.urls.reverse",
        )
        == []
    )


def test_example_project_check_prints_id_and_hint_for_a_broken_asset_model():
    env = {
        **os.environ,
        "GENSTATUS_ASSET_MODEL": "gallery.Nope",
        "DJANGO_SETTINGS_MODULE": "demo.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "example_project"), str(ROOT)]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT / "example_project",
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "(genstatus.E003) GENSTATUS_ASSET_MODEL refers to model 'gallery.Nope'" in output
    assert "HINT: Check the spelling and that its app is in INSTALLED_APPS." in output


WITHOUT_CHANNELS = [app for app in settings.INSTALLED_APPS if app != "channels"]


def test_live_updates_without_channels_installed_are_an_error():
    messages = run_checks_with(INSTALLED_APPS=WITHOUT_CHANNELS)
    assert [m.id for m in messages] == ["genstatus.E010"]
    assert "channels" in messages[0].hint


def test_no_channels_is_fine_when_live_updates_are_off():
    assert genstatus_ids(INSTALLED_APPS=WITHOUT_CHANNELS, GENSTATUS_LIVE=False) == []


@pytest.mark.parametrize(
    "value",
    [None, "", "nowhere.asgi.application", "demo.asgi.nothing_here", "not a path"],
)
def test_an_asgi_application_unset_or_not_importable_is_a_warning(value):
    messages = run_checks_with(ASGI_APPLICATION=value)
    assert [m.id for m in messages] == ["genstatus.W002"]
    assert "ASGI_APPLICATION" in messages[0].hint


def test_an_asgi_application_is_not_needed_when_live_updates_are_off():
    assert genstatus_ids(ASGI_APPLICATION=None, GENSTATUS_LIVE=False) == []


def test_the_asgi_application_import_error_is_named():
    [message] = run_checks_with(ASGI_APPLICATION="nowhere.asgi.application")
    assert "'nowhere.asgi.application' cannot be imported" in message.msg
    assert "ModuleNotFoundError" in message.msg


def run_checks_with(**overrides):
    with override_settings(**overrides):
        return [m for m in run_checks() if m.id and m.id.startswith("genstatus.")]

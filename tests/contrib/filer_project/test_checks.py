"""genstatus.contrib.filer's checks and install: the project itself passes `check`."""

from __future__ import annotations

from django.core.management import call_command

from genstatus.contrib.filer import checks
from tests.contrib.hosttest import host_template_overrides


def ids(messages: list) -> list[str]:
    return [message.id for message in messages]


def test_the_project_passes_check():
    call_command("check", fail_level="WARNING")


def test_filer_missing_is_an_error(monkeypatch):
    monkeypatch.setattr(checks.apps, "is_installed", lambda name: name != "filer")
    messages = checks.check_filer_installed()
    assert ids(messages) == ["genstatus.E211"]
    assert "'filer' is not" in messages[0].msg


def test_asset_model_not_filers_image_model_is_an_error(settings):
    settings.GENSTATUS_ASSET_MODEL = "filer.File"
    messages = checks.check_filer_image_model()
    assert ids(messages) == ["genstatus.E212"]
    assert "filer.Image" in messages[0].hint


def test_filers_image_model_passes(settings):
    settings.GENSTATUS_ASSET_MODEL = "filer.image"
    assert checks.check_filer_image_model() == []


def test_the_middleware_missing_is_a_warning(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "genstatus" not in m]
    assert ids(checks.check_filer_middleware()) == ["genstatus.W213"]


def test_the_project_overrides_none_of_filers_templates():
    assert host_template_overrides(("filer",)) == {}

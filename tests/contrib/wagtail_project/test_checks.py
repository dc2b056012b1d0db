"""genstatus.contrib.wagtail's checks and install: the project itself passes `check`."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command

from genstatus.contrib.wagtail import checks
from tests.contrib.hosttest import host_template_overrides


def ids(messages: list) -> list[str]:
    return [message.id for message in messages]


def test_the_project_passes_check():
    call_command("check", fail_level="WARNING")


def test_no_django_admin_here():
    assert not apps.is_installed("django.contrib.admin")


def test_wagtail_missing_is_an_error(monkeypatch):
    monkeypatch.setattr(checks.apps, "is_installed", lambda name: name != "wagtail.images")
    messages = checks.check_wagtail_installed()
    assert ids(messages) == ["genstatus.E201"]
    assert "'wagtail.images' is not" in messages[0].msg


def test_asset_model_not_the_image_model_is_an_error(settings):
    settings.GENSTATUS_ASSET_MODEL = "wagtailimages.Image"  # WAGTAILIMAGES_IMAGE_MODEL is media's
    messages = checks.check_wagtail_image_model()
    assert ids(messages) == ["genstatus.E202"]
    assert "media.CustomImage" in messages[0].hint


@pytest.mark.parametrize("label", ["media.CustomImage", "media.customimage"])
def test_the_image_model_passes(settings, label):
    settings.GENSTATUS_ASSET_MODEL = label
    assert checks.check_wagtail_image_model() == []


def test_the_project_overrides_none_of_wagtails_templates():
    assert host_template_overrides(("wagtail",)) == {}

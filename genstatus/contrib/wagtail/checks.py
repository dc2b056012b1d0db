"""Checks of a Wagtail install: E201 Wagtail's images or admin app is not installed,
E202 the asset model is not Wagtail's image model (``WAGTAILIMAGES_IMAGE_MODEL``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, register

from genstatus.contrib.hosts import asset_model_is, missing_apps

WAGTAIL_APPS = ("wagtail", "wagtail.admin", "wagtail.images")


@register()
def check_wagtail_installed(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return missing_apps(
        "genstatus.contrib.wagtail",
        WAGTAIL_APPS,
        hint="Add them to INSTALLED_APPS (a Wagtail project has them), or remove "
        '"genstatus.contrib.wagtail".',
        id="genstatus.E201",
    )


@register()
def check_wagtail_image_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not apps.is_installed("wagtail.images"):
        return []
    return asset_model_is(
        getattr(settings, "WAGTAILIMAGES_IMAGE_MODEL", "wagtailimages.Image"),
        host="Wagtail",
        setting="WAGTAILIMAGES_IMAGE_MODEL",
        listing="the image listing's badges and the editor links",
        id="genstatus.E202",
    )

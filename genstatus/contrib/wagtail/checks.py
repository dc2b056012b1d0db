"""Checks of a Wagtail install: E201 Wagtail's images or admin app is not installed,
E202 the asset model is not Wagtail's image model (``WAGTAILIMAGES_IMAGE_MODEL``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from genstatus.contrib.hosts import same_model

WAGTAIL_APPS = ("wagtail", "wagtail.admin", "wagtail.images")


@register()
def check_wagtail_installed(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [name for name in WAGTAIL_APPS if not apps.is_installed(name)]
    if not missing:
        return []
    return [
        Error(
            "genstatus.contrib.wagtail is installed, but {} {} not.".format(
                ", ".join(repr(name) for name in missing), "is" if len(missing) == 1 else "are"
            ),
            hint="Add them to INSTALLED_APPS (a Wagtail project has them), or remove "
            '"genstatus.contrib.wagtail".',
            id="genstatus.E201",
        )
    ]


@register()
def check_wagtail_image_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    image_model = getattr(settings, "WAGTAILIMAGES_IMAGE_MODEL", "wagtailimages.Image")
    asset_model = getattr(settings, "GENSTATUS_ASSET_MODEL", None)
    if not apps.is_installed("wagtail.images") or same_model(asset_model, image_model):
        return []
    return [
        Error(
            f"GENSTATUS_ASSET_MODEL = {asset_model!r} is not Wagtail's image model "
            f"({image_model!r}): the image listing's badges and the editor links would "
            "name other objects.",
            hint=f'Set GENSTATUS_ASSET_MODEL = "{image_model}" (WAGTAILIMAGES_IMAGE_MODEL, '
            "or Wagtail's default), then run migrate.",
            id="genstatus.E202",
        )
    ]

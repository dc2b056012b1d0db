"""Checks of a django-filer install: E211 filer (or the admin it lives in) is not
installed, E212 the asset model is not filer's image model (``FILER_IMAGE_MODEL``), W213
the middleware that puts the badges on filer's listing is missing."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from genstatus.contrib.hosts import same_model

FILER_APPS = ("filer", "easy_thumbnails", "django.contrib.admin")
MIDDLEWARE = "genstatus.contrib.filer.middleware.FilerBadgesMiddleware"


@register()
def check_filer_installed(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [name for name in FILER_APPS if not apps.is_installed(name)]
    if not missing:
        return []
    return [
        Error(
            "genstatus.contrib.filer is installed, but {} {} not.".format(
                ", ".join(repr(name) for name in missing), "is" if len(missing) == 1 else "are"
            ),
            hint="django-filer needs them in INSTALLED_APPS (its listing is a Django admin "
            'page), or remove "genstatus.contrib.filer".',
            id="genstatus.E211",
        )
    ]


@register()
def check_filer_image_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    image_model = getattr(settings, "FILER_IMAGE_MODEL", None) or "filer.Image"
    asset_model = getattr(settings, "GENSTATUS_ASSET_MODEL", None)
    if not apps.is_installed("filer") or same_model(asset_model, image_model):
        return []
    return [
        Error(
            f"GENSTATUS_ASSET_MODEL = {asset_model!r} is not django-filer's image model "
            f"({image_model!r}): the folder listing's badges and file links would name "
            "other objects.",
            hint=f'Set GENSTATUS_ASSET_MODEL = "{image_model}" (FILER_IMAGE_MODEL, or '
            "filer's default), then run migrate.",
            id="genstatus.E212",
        )
    ]


@register()
def check_filer_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if MIDDLEWARE in getattr(settings, "MIDDLEWARE", []):
        return []
    return [
        Warning(
            f"{MIDDLEWARE} is not in MIDDLEWARE: filer's folder listing shows no badges.",
            hint=f"Add {MIDDLEWARE!r} to MIDDLEWARE, after AuthenticationMiddleware.",
            id="genstatus.W213",
        )
    ]

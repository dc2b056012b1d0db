"""Checks of a django-filer install: E211 filer (or the admin it lives in) is not
installed, E212 the asset model is not filer's image model (``FILER_IMAGE_MODEL``), W213
the middleware that puts the badges on filer's listing is missing."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from genstatus.contrib.hosts import asset_model_is, missing_apps

FILER_APPS = ("filer", "easy_thumbnails", "django.contrib.admin")
MIDDLEWARE = "genstatus.contrib.filer.middleware.FilerBadgesMiddleware"


@register()
def check_filer_installed(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return missing_apps(
        "genstatus.contrib.filer",
        FILER_APPS,
        hint="django-filer needs them in INSTALLED_APPS (its listing is a Django admin "
        'page), or remove "genstatus.contrib.filer".',
        id="genstatus.E211",
    )


@register()
def check_filer_image_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not apps.is_installed("filer"):
        return []
    return asset_model_is(
        getattr(settings, "FILER_IMAGE_MODEL", None) or "filer.Image",
        host="django-filer",
        setting="FILER_IMAGE_MODEL",
        listing="the folder listing's badges and file links",
        id="genstatus.E212",
    )


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

"""Where "open asset" goes: the first place the user may actually open, or nowhere.

A link into a 403 or a 404 is worse than no link, so each candidate is asked in turn and
the first one that answers wins:

1. ``GENSTATUS_OPEN_ASSET_URL``: the dotted path of ``f(asset)`` or ``f(asset, request)``;
2. the openers registered with :func:`register_opener` (the contrib apps register their
   host's editor: Wagtail's image editor, django-filer's file page), newest first;
3. the asset's page in Django's admin, when its model is registered there and the
   ``ModelAdmin`` grants the user view or change permission on it;
4. ``asset.get_absolute_url()``, when the model has one and it resolves.

Each returns a URL or ``None`` ("not for this user, not here"). When none answers,
:func:`open_asset_url` returns ``None`` and the panel says so instead of linking.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from genstatus.conf import genstatus_settings

Opener = Callable[[HttpRequest, Model], "str | None"]

_openers: list[Opener] = []


def register_opener(opener: Opener) -> Opener:
    """Add ``opener(request, asset) -> url | None`` to the candidates (idempotent).

    Usable as a decorator; call it from an ``AppConfig.ready()``. Openers registered later
    are asked first, so a project's own opener wins over a contrib app's.
    """
    if opener not in _openers:
        _openers.insert(0, opener)
    return opener


def unregister_opener(opener: Opener) -> None:
    """Remove an opener added with :func:`register_opener` (tests, or to replace one)."""
    if opener in _openers:
        _openers.remove(opener)


def open_asset_url(request: HttpRequest, asset: Model, *, admin_site: Any = None) -> str | None:
    """The first URL for ``asset`` that ``request.user`` may open, or ``None``."""
    for opener in (_setting_opener, *_openers, _admin_opener(admin_site), _absolute_url):
        url = opener(request, asset)
        if url:
            return str(url)
    return None


@cache
def _takes_request(func: Callable[..., Any]) -> bool:
    try:
        inspect.signature(func).bind(None, None)
    except TypeError:
        return False
    except ValueError:  # no signature (a builtin): call it the documented way
        return False
    return True


def _setting_opener(request: HttpRequest, asset: Model) -> str | None:
    dotted = genstatus_settings.OPEN_ASSET_URL
    if not dotted:
        return None
    func = import_string(dotted)
    url = func(asset, request) if _takes_request(func) else func(asset)
    return None if url is None else str(url)


def _admin_opener(admin_site: Any) -> Opener:
    def opener(request: HttpRequest, asset: Model) -> str | None:
        site = admin_site
        if site is None:
            if not apps.is_installed("django.contrib.admin"):
                return None
            from django.contrib.admin import site
        model_admin = site._registry.get(type(asset))
        if model_admin is None or not model_admin.has_view_or_change_permission(request, asset):
            return None
        opts = asset._meta
        try:
            return reverse(
                f"{site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[asset.pk],
                current_app=site.name,
            )
        except NoReverseMatch:  # the admin site is not mounted in this URLconf
            return None

    return opener


def _absolute_url(request: HttpRequest, asset: Model) -> str | None:
    get_absolute_url = getattr(asset, "get_absolute_url", None)
    if get_absolute_url is None:
        return None
    try:
        return str(get_absolute_url())
    except NoReverseMatch:  # the host's public URLs are not mounted here
        return None

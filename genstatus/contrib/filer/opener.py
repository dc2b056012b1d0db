""" "Open asset" for a django-filer file: filer's file page (its admin change page), for a
user filer lets edit it (its model permission and, with ``FILER_ENABLE_PERMISSIONS``, the
folder's)."""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch


def open_in_filer(request: HttpRequest, asset: Model) -> str | None:
    """The file's page in filer's admin, or None (the next opener is asked)."""
    from filer.models import File

    if not isinstance(asset, File):
        return None
    user = request.user
    if not (user.is_active and user.is_staff) or not asset.has_edit_permission(request):
        return None
    try:
        return str(asset.get_admin_change_url())
    except NoReverseMatch:  # the admin is not mounted in this URLconf
        return None

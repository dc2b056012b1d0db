"""Open asset: the first target the user may open, never a redirect into a 403 or 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import RequestFactory
from django.urls import reverse

from genstatus.opening import open_asset_url, register_opener, unregister_opener

pytestmark = pytest.mark.django_db


def request_for(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def with_perm(user: Any, codename: str) -> Any:
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # drop the permission cache


def asset_only(asset: Any) -> str:
    return f"/one-arg/{asset.pk}/"


def asset_and_request(asset: Any, request: Any) -> str | None:
    return f"/two-args/{asset.pk}/{request.user.username}/"


def nobody(asset: Any, request: Any) -> None:
    return None


def test_staff_with_view_permission_opens_the_admin_page(user, asset):
    staff = with_perm(user, "view_asset")
    staff.is_staff = True
    url = open_asset_url(request_for(staff), asset)
    assert url == reverse("admin:gallery_asset_change", args=[asset.pk])


def test_without_admin_permission_the_public_page_not_a_403(user, asset):
    assert not user.has_perm("gallery.view_asset")
    assert open_asset_url(request_for(user), asset) == asset.get_absolute_url()


def test_no_admin_registration_no_public_page_means_none(user, asset, monkeypatch):
    monkeypatch.delattr(type(asset), "get_absolute_url")
    assert open_asset_url(request_for(AnonymousUser()), asset) is None
    staff = with_perm(user, "view_asset")
    monkeypatch.delitem(admin.site._registry, type(asset))
    assert open_asset_url(request_for(staff), asset) is None


def test_a_public_url_that_does_not_resolve_is_skipped(user, asset, monkeypatch):
    from django.urls import NoReverseMatch

    def broken(self: Any) -> str:
        raise NoReverseMatch("gallery:asset")

    monkeypatch.setattr(type(asset), "get_absolute_url", broken)
    assert open_asset_url(request_for(user), asset) is None


def test_the_setting_wins_with_one_or_two_arguments(user, asset, settings):
    settings.GENSTATUS_OPEN_ASSET_URL = "tests.test_opening.asset_only"
    assert open_asset_url(request_for(user), asset) == f"/one-arg/{asset.pk}/"
    settings.GENSTATUS_OPEN_ASSET_URL = "tests.test_opening.asset_and_request"
    assert open_asset_url(request_for(user), asset) == f"/two-args/{asset.pk}/{user.username}/"
    settings.GENSTATUS_OPEN_ASSET_URL = "tests.test_opening.nobody"  # None: the next one
    assert open_asset_url(request_for(user), asset) == asset.get_absolute_url()


def test_registered_openers_come_before_the_admin_newest_first(admin_user, asset):
    def editor(request: Any, asset: Any) -> str:
        return f"/editor/{asset.pk}/"

    def project(request: Any, asset: Any) -> str | None:
        return f"/project/{asset.pk}/" if request.user.is_superuser else None

    register_opener(editor)
    register_opener(editor)  # idempotent
    try:
        assert open_asset_url(request_for(admin_user), asset) == f"/editor/{asset.pk}/"
        register_opener(project)
        assert open_asset_url(request_for(admin_user), asset) == f"/project/{asset.pk}/"
        unregister_opener(editor)
        unregister_opener(project)
        assert open_asset_url(request_for(admin_user), asset) == reverse(
            "admin:gallery_asset_change", args=[asset.pk]
        )
    finally:
        unregister_opener(editor)
        unregister_opener(project)

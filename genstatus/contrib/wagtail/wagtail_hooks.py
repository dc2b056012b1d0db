"""Wagtail's hooks (Wagtail imports this module by itself): the panel's URLs and menu
item, its permissions in Wagtail's group editor, and the badges on Wagtail's images."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from genstatus.contrib.wagtail.badges import badge_snippet
from genstatus.contrib.wagtail.panel import URL_NAMESPACE, WagtailPanel, get_urls

MENU_NAME = "genstatus-generations"
PERMISSIONS = ("view_generation", "change_generation", "view_all_generations")


def register_panel_urls() -> list[URLPattern | URLResolver]:
    return [path("generations/", include((get_urls(), URL_NAMESPACE), namespace=URL_NAMESPACE))]


def register_panel_menu_item() -> Any:
    return MenuItem(
        _("Generations panel"),
        reverse_lazy(f"{URL_NAMESPACE}:panel"),
        name=MENU_NAME,
        icon_name=WagtailPanel.menu_icon,
        order=350,  # after Images (300), before Documents (400)
    )


def hide_panel_menu_item(request: HttpRequest, menu_items: list[Any]) -> None:
    """The menu item only for users who may open the panel."""
    if not WagtailPanel().has_view_permission(request):
        menu_items[:] = [item for item in menu_items if item.name != MENU_NAME]


def register_generation_permissions() -> QuerySet[Permission]:
    """The panel's permissions in Wagtail's group editor ("Settings → Groups")."""
    return Permission.objects.filter(content_type__app_label="genstatus", codename__in=PERMISSIONS)


# registered by calls, not decorators: the call form keeps the functions typed
hooks.register("register_admin_urls", register_panel_urls)
hooks.register("register_admin_menu_item", register_panel_menu_item)
hooks.register("construct_main_menu", hide_panel_menu_item)
hooks.register("register_permissions", register_generation_permissions)
hooks.register("insert_global_admin_js", badge_snippet)

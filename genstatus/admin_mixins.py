"""``GenerationStatusAdminMixin``: a live generation-status column for any ``ModelAdmin``.

::

    from genstatus.admin_mixins import GenerationStatusAdminMixin

    @admin.register(Photo)
    class PhotoAdmin(GenerationStatusAdminMixin, admin.ModelAdmin):
        list_display = ["title", "owner"]

The changelist gets a "Generation" column: each row's badge as the page's user may see it,
all fetched in one query for the page (``badges.badge_statuses``), with the badge assets
(stylesheet, ``<template>``\\s, live client) emitted once, in the first badge's cell, so
no admin template is overridden and the badges follow their jobs live.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from genstatus import badges

__all__ = ["GenerationStatusAdminMixin"]

# The page's badges, on each object of the changelist's page (a ModelAdmin is shared by
# every request: nothing per request is kept on it).
PAGE_ATTRIBUTE = "_genstatus_admin_page"


class _PageBadges:
    """One changelist page's badges: its batch, and whether the assets were emitted."""

    def __init__(self, statuses: badges.BadgeStatuses, *, assets: bool) -> None:
        self.statuses = statuses
        self.assets_pending = assets

    def render(self, asset: Any, options: badges.Options) -> str:
        markup = self.statuses.markup(asset, options)
        if self.assets_pending:
            self.assets_pending = False
            return badges.render_assets() + markup
        return markup


class GenerationStatusAdminMixin:
    """Adds the ``genstatus_badge`` column to a ``ModelAdmin``'s changelist.

    Hooks: ``get_genstatus_asset(obj)`` (the asset of a row, default the row itself; None:
    no badge), ``genstatus_column_index`` (where the column goes when ``list_display`` does
    not name ``"genstatus_badge"`` itself; default 1, after the link column),
    ``genstatus_show_completed`` (None: ``GENSTATUS_SHOW_COMPLETED``),
    ``genstatus_include_assets`` (False when the changelist template already has
    ``{% genstatus_assets %}``).
    """

    genstatus_column_index = 1
    genstatus_show_completed: bool | None = None
    genstatus_include_assets = True

    def get_genstatus_asset(self, obj: Any) -> Any:
        """The asset whose badge the row of ``obj`` shows (None: none)."""
        return obj

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))  # type: ignore[misc]
        if "genstatus_badge" not in columns:
            columns.insert(min(self.genstatus_column_index, len(columns)), "genstatus_badge")
        return columns

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]
        rows = list(changelist.result_list)  # fills the page's result cache: no second query
        assets = [asset for asset in map(self.get_genstatus_asset, rows) if asset is not None]
        statuses = badges.badge_statuses(assets, request.user)
        page = _PageBadges(statuses, assets=self.genstatus_include_assets)
        for row in rows:
            setattr(row, PAGE_ATTRIBUTE, page)
        return changelist

    def genstatus_badge(self, obj: Any) -> SafeString:
        asset = self.get_genstatus_asset(obj)
        if asset is None:
            return SafeString("")
        options = badges.options_key(show_completed=self.genstatus_show_completed, inline=True)
        page: _PageBadges | None = getattr(obj, PAGE_ATTRIBUTE, None)
        if page is None:  # a row rendered outside the changelist: shows nothing of a user
            markup: str = badges.render_badge(asset, {}, inline=True)
        else:
            markup = page.render(asset, options)
        return SafeString(f'<span class="gs-column">{markup}</span>')

    genstatus_badge.short_description = _("Generation")  # type: ignore[attr-defined]

"""The Generations panel inside Wagtail's admin, with or without ``django.contrib.admin``.

The panel's views (``genstatus.panel.views``, ``genstatus.panel.action_views``) are given
the object they serve through ``as_view(model_admin=...)`` and read only what is listed on
:class:`WagtailPanel`: the permissions, the visible generations, the panel's hooks, its
templates and URLs. ``WagtailPanel`` gives them that from Wagtail's side: Django's model
permissions (granted to Wagtail groups, see ``wagtail_hooks.register_permissions``),
Wagtail's page furniture, and URLs under Wagtail's admin. Subclass it and pass the subclass
to :func:`get_urls` to change a hook, as one subclasses ``GenerationAdmin``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from genstatus.filters import GenerationFilterSet
from genstatus.models import Generation, visibility
from genstatus.opening import open_asset_url
from genstatus.panel.pagination import PER_PAGE
from genstatus.panel.routes import panel_routes
from genstatus.panel.rows import (
    RowSetup,
    RowUrls,
    object_url_function,
    request_row_setup,
    row_context,
    rows_queryset,
    shared_rows_context,
)

URL_NAMESPACE = "genstatus_wagtail"


class WagtailSite:
    """What the panel's views read from an ``AdminSite``: a name and the pages' shared
    context (Wagtail's templates bring their own)."""

    name = URL_NAMESPACE

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        """Wagtail's breadcrumbs: Home, Generations panel, then the page's own title."""
        return {
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                {"url": reverse(f"{URL_NAMESPACE}:panel"), "label": _("Generations panel")},
            ]
        }


class WagtailPanel:
    """The panel's configuration and hooks in Wagtail's admin (``GenerationAdmin``'s, where
    Django's admin is)."""

    model = Generation
    opts = Generation._meta
    admin_site = WagtailSite()
    panel_template = "genstatus/wagtail/panel.html"
    panel_rows_template = "genstatus/admin/panel_rows.html"
    panel_confirm_template = "genstatus/wagtail/panel_confirm.html"
    panel_detail_template = "genstatus/admin/panel_detail.html"
    panel_detail_page_template = "genstatus/wagtail/panel_detail_page.html"
    panel_stats_template = "genstatus/wagtail/panel_stats.html"
    panel_per_page = PER_PAGE
    filterset_class = GenerationFilterSet
    menu_icon = "tasks"

    # Permissions: Django's model permissions, which Wagtail's groups grant -----------------

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return user.has_perm("genstatus.view_generation") or user.has_perm(
            "genstatus.change_generation"
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("genstatus.change_generation")

    # Hooks, as on GenerationAdmin (docs/panel.md) -------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Generation]:
        """A user sees their own generations; view_all_generations (or superuser) sees all."""
        return visibility(request.user).filter(Generation.objects.all())

    def get_panel_filterset(self, data: QueryDict, queryset: QuerySet[Generation]) -> Any:
        return self.filterset_class(data, queryset=queryset, request=None)

    def get_panel_rows_queryset(self, queryset: QuerySet[Generation]) -> QuerySet[Generation]:
        return rows_queryset(queryset)

    def get_panel_row(self, request: HttpRequest, generation: Generation) -> dict[str, Any]:
        return row_context(generation, setup=self.row_setup(request))

    def get_open_asset_url(self, request: HttpRequest, generation: Generation) -> str | None:
        """The first place the user may open (``genstatus.opening``): Wagtail's image
        editor, through the opener this app registers."""
        asset = generation.asset
        return None if asset is None else open_asset_url(request, asset)

    def message_user(self, request: HttpRequest, message: str, level: int = messages.INFO) -> None:
        messages.add_message(request, level, message)

    # URLs and shared context ---------------------------------------------------------------

    def panel_url(self, view: str = "panel") -> str:
        return reverse(f"{URL_NAMESPACE}:{view}")

    def row_urls(self, request: HttpRequest) -> RowUrls:
        return self.row_setup(request).urls

    def row_setup(self, request: HttpRequest) -> RowSetup:
        """What every row of ``request`` shares, made once per request."""

        def urls() -> RowUrls:
            # no change page in Wagtail: a generation's page is its detail
            detail = self._url_function("panel_detail")
            return RowUrls(
                change=detail, detail=detail, open_asset=self._url_function("open_asset")
            )

        return request_row_setup(request, urls)

    def _url_function(self, view: str) -> Any:
        return object_url_function(f"{URL_NAMESPACE}:{view}")

    def rows_context(self, request: HttpRequest) -> dict[str, Any]:
        return shared_rows_context(request, can_change=self.has_change_permission(request))

    def panel_context(self, request: HttpRequest) -> dict[str, Any]:
        """The context every panel page shares, with what Wagtail's page furniture reads."""
        return {
            **self.rows_context(request),
            "opts": self.opts,
            "breadcrumbs_items": self.breadcrumbs(request),
            "header_icon": self.menu_icon,
            "action_url": self.panel_url("panel_action"),
            "rows_url": self.panel_url("panel_rows"),
            "counts_url": self.panel_url("panel_counts"),
            "stats_url": self.panel_url("panel_stats"),
            "changelist_url": None,  # Django admin's list; absent here
        }

    def breadcrumbs(self, request: HttpRequest) -> list[dict[str, str]]:
        """Home, the panel, and the Statistics page when it is this one."""
        match = request.resolver_match
        on_stats = match is not None and match.url_name == "panel_stats"
        items = [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": self.panel_url() if on_stats else "", "label": _("Generations panel")},
        ]
        if on_stats:
            items.append({"url": "", "label": _("Statistics")})
        return items


VIEWS = panel_routes(prefix="", detail="detail")


def get_urls(panel: WagtailPanel | None = None) -> list[URLPattern]:
    """The panel's URLs (Wagtail's ``register_admin_urls`` mounts them under its admin, in
    the ``genstatus_wagtail`` namespace, behind Wagtail's admin login)."""
    panel = panel or WagtailPanel()
    return [path(route, view.as_view(model_admin=panel), name=name) for route, name, view in VIEWS]

"""Admin for generations: the standard changelist plus the Generations panel.

``GenerationAdmin`` is a configuration class: the panel's views live in
``genstatus.panel.views`` and ``genstatus.panel.action_views`` and are wired here through
``get_urls()`` + ``admin_site.admin_view()``. Templates are class attributes and the
``get_*`` methods are the hooks a host overrides (docs/panel.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from genstatus.conf import genstatus_settings
from genstatus.filters import GenerationFilterSet
from genstatus.ids import BadId, generation_id, generation_ids
from genstatus.models import Generation, GenerationEvent, visibility
from genstatus.opening import open_asset_url
from genstatus.panel.action_views import (
    bulk_confirm_response,
)
from genstatus.panel.pagination import PER_PAGE
from genstatus.panel.routes import panel_routes
from genstatus.panel.rows import (
    PROMPT_PREVIEW_CHARS,
    RowSetup,
    RowUrls,
    object_url_function,
    request_row_setup,
    row_context,
    rows_queryset,
    shared_rows_context,
)
from genstatus.panel.text import preview
from genstatus.states import status_display

LIFECYCLE_FIELDS = (
    "status",
    "error_message",
    "error_code",
    "retry_count",
    "progress",
    "version",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "heartbeat_at",
    "cancel_requested_at",
    "retry_of",
)


class ProviderFilter(admin.SimpleListFilter):
    """Providers from GENSTATUS_PROVIDERS: static choices, never a SELECT DISTINCT."""

    title = _("provider")
    parameter_name = "provider"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return genstatus_settings.PROVIDER_CHOICES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(provider=self.value()) if self.value() else queryset


class OperationFilter(admin.SimpleListFilter):
    title = _("operation")
    parameter_name = "operation_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return genstatus_settings.OPERATION_TYPES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(operation_type=self.value()) if self.value() else queryset


if TYPE_CHECKING:  # django-stubs makes these generic; Django's classes take no [...]
    _EventInline = admin.TabularInline[GenerationEvent, Generation]
    _ModelAdmin = admin.ModelAdmin[Generation]
else:
    _EventInline = admin.TabularInline
    _ModelAdmin = admin.ModelAdmin


class GenerationEventInline(_EventInline):
    model = GenerationEvent
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(_ModelAdmin):
    list_display = (
        "id",
        "status_badge",
        "prompt_preview",
        "kind",
        "owner",
        "asset_ref",
        "retry_count",
        "created_at",
    )
    list_display_links = ("id", "prompt_preview")
    list_filter = ("status", ProviderFilter, OperationFilter)
    search_fields = ("prompt",)
    list_select_related = ("owner", "asset")
    raw_id_fields = ("owner", "asset", "source_assets")
    readonly_fields = LIFECYCLE_FIELDS
    inlines = [GenerationEventInline]
    date_hierarchy = None
    show_full_result_count = False
    actions = ["retry_selected", "cancel_selected"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "owner",
                    "asset",
                    "source_assets",
                    "provider",
                    "operation_type",
                    "prompt",
                    "params",
                    "provider_job_id",
                )
            },
        ),
        (_("Lifecycle"), {"fields": LIFECYCLE_FIELDS}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Generations are created by the host's code (``lifecycle.create_generation``), so
        that every one has its history and its signals."""
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Everything: a change goes through the lifecycle (retry, cancel), never through a
        form that would write back the whole row a worker may have moved on since."""
        return [str(name) for _, options in self.fieldsets for name in options["fields"]]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing on the change page is editable, so nothing is written."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        no_save = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(
            request, object_id, form_url, {**no_save, **(extra_context or {})}
        )

    change_list_template = "genstatus/admin/change_list.html"
    panel_template = "genstatus/admin/panel.html"
    panel_rows_template = "genstatus/admin/panel_rows.html"
    panel_confirm_template = "genstatus/admin/panel_confirm.html"
    panel_detail_template = "genstatus/admin/panel_detail.html"
    panel_detail_page_template = "genstatus/admin/panel_detail_page.html"
    panel_stats_template = "genstatus/admin/panel_stats.html"
    panel_per_page = PER_PAGE
    filterset_class = GenerationFilterSet

    def get_queryset(self, request: HttpRequest) -> QuerySet[Generation]:
        """A user sees their own generations; view_all_generations (or superuser) sees all."""
        return visibility(request.user).filter(super().get_queryset(request))

    # Changelist columns and actions ------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Generation) -> str:
        display = status_display(obj.status)
        return format_html(
            '<span class="gs-status gs-status--{}" title="{}">{}</span>',
            display.color,
            obj.error_message or display.description,
            display.label,
        )

    @admin.display(description=_("prompt"))
    def prompt_preview(self, obj: Generation) -> str:
        """The prompt cut at 80 characters, whole on hover, isolated for bidi."""
        return format_html(
            '<bdi class="gs-prompt" title="{}">{}</bdi>',
            obj.prompt,
            preview(obj.prompt, PROMPT_PREVIEW_CHARS) or "—",
        )

    @admin.display(description=_("provider · operation"), ordering="provider")
    def kind(self, obj: Generation) -> str:
        """Provider and operation by their configured labels, as the panel shows them."""
        providers = dict(genstatus_settings.PROVIDER_CHOICES)
        operations = dict(genstatus_settings.OPERATION_TYPES)
        return format_html(
            "<bdi>{}</bdi> · <bdi>{}</bdi>",
            providers.get(obj.provider, obj.provider),
            operations.get(obj.operation_type, obj.operation_type),
        )

    @admin.display(description=_("asset"), ordering="asset")
    def asset_ref(self, obj: Generation) -> str:
        """The asset as a short reference (its name on hover): a column, not a paragraph."""
        if obj.asset_id is None:
            return "—"
        return format_html('<bdi title="{}">#{}</bdi>', str(obj.asset), obj.asset_id)

    @admin.action(description=_("Retry selected generations"), permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Generation]) -> HttpResponse:
        return bulk_confirm_response(
            self, request, "retry", queryset, next_url=request.get_full_path()
        )

    @admin.action(description=_("Cancel selected generations"), permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Generation]) -> HttpResponse:
        return bulk_confirm_response(
            self, request, "cancel", queryset, next_url=request.get_full_path()
        )

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Generation], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        """The changelist's actions, with the selected ids parsed by ``genstatus.ids``: an id
        no generation can have is left out (as a missing one), text that is not an id is
        refused with a message."""
        try:
            ids, _impossible = generation_ids(request.POST.getlist(ACTION_CHECKBOX_NAME))
        except BadId:
            messages.error(request, gettext("Those are not generation ids."))
            return HttpResponseRedirect(request.get_full_path())
        post = request.POST.copy()
        post.setlist(ACTION_CHECKBOX_NAME, [str(pk) for pk in ids])
        request.POST = post  # type: ignore[assignment]  # a QueryDict, as Django's own
        return super().response_action(request, queryset, *args, **kwargs)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The classic list, without the nav sidebar (as the panel): its nine columns need
        the width."""
        context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Generation | None:
        """The change page's generation; None (a "not found" message) for any id that is not
        one, out-of-range ones included, on every database."""
        if from_field is None:
            try:
                if generation_id(object_id) is None:
                    return None
            except BadId:
                return None
        return super().get_object(request, object_id, from_field)

    # Hooks -------------------------------------------------------------------------------

    def get_open_asset_url(self, request: HttpRequest, generation: Generation) -> str | None:
        """Where "open asset" goes: the first place ``request.user`` may open
        (``genstatus.opening.open_asset_url``), or None: the panel then says so."""
        asset = generation.asset
        if asset is None:
            return None
        return open_asset_url(request, asset, admin_site=self.admin_site)

    def get_panel_filterset(self, data: QueryDict, queryset: QuerySet[Generation]) -> Any:
        """The FilterSet the panel filters with (shared with the API)."""
        return self.filterset_class(data, queryset=queryset, request=None)

    def get_panel_rows_queryset(self, queryset: QuerySet[Generation]) -> QuerySet[Generation]:
        """``queryset`` with what each row shows (``genstatus.panel.rows.rows_queryset``):
        one query per page. An override of ``get_panel_row`` or ``panel_row.html`` that reads
        another field adds it here (``super().get_panel_rows_queryset(qs).defer(None)``
        loads every field)."""
        return rows_queryset(queryset)

    def get_panel_row(self, request: HttpRequest, generation: Generation) -> dict[str, Any]:
        """The context of one row (``panel_row.html``); override to add to it. The page
        and the live client's row endpoint both call it."""
        return row_context(generation, setup=self.row_setup(request))

    # URLs and shared context -------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        views = panel_routes(prefix="panel/", detail="panel-detail")
        return [
            *[
                path(route, wrap(view.as_view(model_admin=self)), name=self._url_name(name))
                for route, name, view in views
            ],
            *super().get_urls(),
        ]

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def panel_url(self, view: str = "panel") -> str:
        return reverse(f"{self.admin_site.name}:{self._url_name(view)}")

    def row_urls(self, request: HttpRequest) -> RowUrls:
        """The URLs a row links to: one reverse() per view and request, not per row."""
        return self.row_setup(request).urls

    def row_setup(self, request: HttpRequest) -> RowSetup:
        """What every row of ``request`` shares (``genstatus.panel.rows.RowSetup``), made
        once per request."""
        return request_row_setup(
            request,
            lambda: RowUrls(
                change=self._url_function("change"),
                detail=self._url_function("panel_detail"),
                open_asset=self._url_function("open_asset"),
            ),
        )

    def _url_function(self, view: str) -> Any:
        return object_url_function(f"{self.admin_site.name}:{self._url_name(view)}")

    def rows_context(self, request: HttpRequest) -> dict[str, Any]:
        """What every row's template reads besides its own context: the permissions and
        the labels (translated once per page, not once per row)."""
        return shared_rows_context(request, can_change=self.has_change_permission(request))

    def panel_context(self, request: HttpRequest) -> dict[str, Any]:
        """The context every panel page shares: the site's, the permissions, the URLs."""
        return {
            **self.admin_site.each_context(request),
            **self.rows_context(request),
            "opts": self.opts,
            "action_url": self.panel_url("panel_action"),
            "rows_url": self.panel_url("panel_rows"),
            "counts_url": self.panel_url("panel_counts"),
            "stats_url": self.panel_url("panel_stats"),
            "changelist_url": reverse(f"{self.admin_site.name}:{self._url_name('changelist')}"),
        }


# Link the panel from the admin index of the default site, unless the host chose its own
# index template (then see docs/panel.md to add the link).
if admin.site.index_template is None:
    admin.site.index_template = "genstatus/admin/index.html"

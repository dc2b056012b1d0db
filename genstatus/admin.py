"""Admin for generations: a plain changelist with the event history inline.

The Generations panel (tabs, live rows, bulk actions) is added on top of this admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from genstatus.conf import genstatus_settings
from genstatus.models import Generation, GenerationEvent
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


class GenerationEventInline(admin.TabularInline):
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
class GenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status_badge",
        "prompt_preview",
        "provider",
        "operation_type",
        "owner",
        "asset",
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Generation]:
        """A user sees their own generations; view_all_generations (or superuser) sees all."""
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[attr-defined]

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
        return Truncator(obj.prompt).chars(80) or "—"

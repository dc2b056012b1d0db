"""The one FilterSet behind the Generations panel and the REST API.

Choices come from static lists and settings (never ``SELECT DISTINCT``). Invalid values
are form errors: the panel shows them as messages, the API answers 400 per field.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from genstatus.conf import genstatus_settings
from genstatus.models import Generation
from genstatus.states import GROUPS, Status

# The panel's tabs and the API's ``status`` filter: a group or a single status.
STATUS_FILTER_CHOICES: list[tuple[str, str]] = [
    ("active", "Active"),
    ("failed", "Failed"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
    *[(value, f"Only {label.lower()}") for value, label in Status.choices if value not in GROUPS],
]


def provider_choices() -> list[tuple[str, str]]:
    return genstatus_settings.PROVIDER_CHOICES


def operation_choices() -> list[tuple[str, str]]:
    return genstatus_settings.OPERATION_TYPES


class AssetIdsField(forms.CharField):
    """Comma-separated asset primary keys, validated by the asset model's pk field."""

    def clean(self, value: Any) -> list[Any] | None:
        value = super().clean(value)
        if not value:
            return None
        raw = [part.strip() for part in str(value).split(",") if part.strip()]
        limit = genstatus_settings.API_MAX_BATCH
        if len(raw) > limit:
            raise ValidationError(f"At most {limit} asset ids per request; got {len(raw)}.")
        pk_field = apps.get_model(genstatus_settings.ASSET_MODEL)._meta.pk
        ids = []
        for part in raw:
            try:
                ids.append(pk_field.to_python(part))
            except ValidationError:
                raise ValidationError(f"{part[:40]!r} is not a valid asset id.") from None
        return ids


class AssetIdsFilter(django_filters.Filter):
    field_class = AssetIdsField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs if value is None else qs.filter(asset_id__in=value)


class GenerationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=STATUS_FILTER_CHOICES, method="filter_status", label="Status"
    )
    provider = django_filters.ChoiceFilter(choices=provider_choices, label="Provider")
    operation_type = django_filters.ChoiceFilter(choices=operation_choices, label="Operation")
    q = django_filters.CharFilter(method="filter_search", label="Prompt contains", max_length=200)
    asset = AssetIdsFilter(label="Asset ids (comma-separated)")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Generation
        fields = ["status", "provider", "operation_type", "q", "asset"]

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        statuses = GROUPS.get(value, {value})
        return queryset.filter(status__in=sorted(statuses))

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(prompt__icontains=value) if value else queryset

"""The one FilterSet behind the Generations panel and the REST API.

Choices come from static lists and settings (never ``SELECT DISTINCT``). Invalid values
are form errors: the panel shows them as messages, the API answers 400 per field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from genstatus import ids
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
        keys = []
        for part in raw:
            try:
                key = ids.asset_id(part)
            except ids.BadId:
                # user text goes in params: django-filter %-formats the message
                raise ValidationError(
                    "%(value)s is not a valid asset id.", params={"value": repr(part[:40])}
                ) from None
            if key is not None:  # None: an id no asset can have, which matches none
                keys.append(key)
        return keys


class AssetIdsFilter(django_filters.Filter):  # type: ignore[misc]  # django-filter is untyped
    field_class = AssetIdsField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs if value is None else qs.filter(asset_id__in=value)


def out_of_range_asset_id(values: list[Any]) -> Any:
    """The first id no asset can have (beyond the primary key's range), or None."""
    for value in values:
        try:
            if ids.asset_id(value if isinstance(value, int) else str(value)) is None:
                return value
        except ids.BadId:
            return value
    return None


def in_utc_range(value: datetime) -> bool:
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


class RangeCheckedForm(forms.Form):
    """Refuses well-formed values the database cannot compare: an asset id beyond the
    primary key's integer range, a date that leaves the datetime range in UTC
    ("0001-01-01T00:00+14:00"). A 400 per field in the API, a message in the panel."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name in ("created_after", "created_before"):
            value = cleaned.get(name)
            if isinstance(value, datetime):
                if not in_utc_range(value):
                    self.add_error(name, "Enter a date/time between years 1 and 9999 in UTC.")
                else:  # "-20:52" is a valid ISO offset but not a PostgreSQL one: send UTC
                    cleaned[name] = value.astimezone(UTC)
        days = cleaned.get("created_on")
        if isinstance(days, slice) and not all(
            in_utc_range(value) for value in (days.start, days.stop) if value is not None
        ):
            self.add_error("created_on", "Enter dates between years 1 and 9999 in UTC.")
        ids = cleaned.get("asset")
        if ids and (wrong := out_of_range_asset_id(ids)) is not None:
            self.add_error(
                "asset",
                ValidationError(
                    "%(value)s is not a valid asset id.", params={"value": repr(str(wrong)[:40])}
                ),
            )
        return cleaned


class GenerationFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    status = django_filters.ChoiceFilter(
        choices=STATUS_FILTER_CHOICES, method="filter_status", label="Status"
    )
    provider = django_filters.ChoiceFilter(choices=provider_choices, label="Provider")
    operation_type = django_filters.ChoiceFilter(choices=operation_choices, label="Operation")
    q = django_filters.CharFilter(method="filter_search", label="Prompt contains", max_length=200)
    error_code = django_filters.CharFilter(label="Error code", max_length=100)
    asset = AssetIdsFilter(label="Asset ids (comma-separated)")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    # days, both included: created_on_after / created_on_before (the panel's date inputs)
    created_on = django_filters.DateFromToRangeFilter(field_name="created_at", label="Created on")

    class Meta:
        model = Generation
        # every filter is declared above; listing model fields here would make
        # django-filter resolve the asset foreign key at import, which breaks
        # `manage.py check` (genstatus.E003) when GENSTATUS_ASSET_MODEL is wrong
        fields: list[str] = []
        form = RangeCheckedForm

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        statuses = GROUPS.get(value, {value})
        return queryset.filter(status__in=sorted(statuses))

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(prompt__icontains=value) if value else queryset

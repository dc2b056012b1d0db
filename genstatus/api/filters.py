"""The panel's ``GenerationFilterSet`` with the range checks the database needs.

A well-formed value can still be one the database cannot compare: an asset id beyond the
primary key's integer range, or a date that leaves the datetime range once converted to
UTC ("0001-01-01T00:00+14:00"). The form refuses those per field (400), not the database
(500).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.apps import apps
from django.db import connection, models

from genstatus.conf import genstatus_settings
from genstatus.filters import GenerationFilterSet


def out_of_range_asset_id(ids: list[Any]) -> Any:
    """The first id the asset model's integer primary key cannot hold, or None."""
    pk_field = apps.get_model(genstatus_settings.ASSET_MODEL)._meta.pk
    if not isinstance(pk_field, models.IntegerField):  # UUID, char: to_python checked them
        return None
    try:
        low, high = connection.ops.integer_field_range(pk_field.get_internal_type())
    except KeyError:  # an integer field the backend has no range for
        return None
    for value in ids:
        if isinstance(value, int) and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            return value
    return None


def in_utc_range(value: datetime) -> bool:
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


class RangeCheckedForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name in ("created_after", "created_before"):
            value = cleaned.get(name)
            if isinstance(value, datetime) and not in_utc_range(value):
                self.add_error(name, "Enter a date/time between years 1 and 9999 in UTC.")
        ids = cleaned.get("asset")
        if ids and (wrong := out_of_range_asset_id(ids)) is not None:
            self.add_error("asset", f"{str(wrong)[:40]!r} is not a valid asset id.")
        return cleaned


class ApiGenerationFilterSet(GenerationFilterSet):
    class Meta(GenerationFilterSet.Meta):
        form = RangeCheckedForm

"""Cursor pagination, newest first: stable under inserts and never a ``COUNT(*)``."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from genstatus.filters import in_utc_range
from genstatus.models import Generation


class GenerationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        """``page_size``: a whole number from 1; above ``max_page_size`` (200) it is
        clamped to 200. Anything else is a 400, as the schema says (DRF would ignore it)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        text = raw.strip().lstrip("0") if raw.strip().isdigit() else raw
        if not (text.isascii() and text.isdigit()):  # not a number, or zero
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        "Enter a whole number from 1 (larger than 200 counts as 200)."
                    ]
                }
            )
        return self.max_page_size if len(text) > 9 else min(int(text), self.max_page_size)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF answers a bad cursor with 404; here it is bad input, so 400 on ``cursor``.

        The position is checked too, the way the database will read it: a hand-made cursor
        could otherwise carry a value it cannot compare with ``created_at``.
        """
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None
        if cursor is not None and cursor.position is not None:
            field = Generation._meta.get_field("created_at")
            assert isinstance(field, models.DateTimeField)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # a naive position
                    value = field.get_prep_value(cursor.position)
                    valid = isinstance(value, datetime) and in_utc_range(value)
                    field.get_db_prep_value(value, connection, prepared=True)
            except (DjangoValidationError, ValueError, OverflowError):
                valid = False
            if not valid:
                raise ValidationError({self.cursor_query_param: ["Invalid cursor."]})
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1)
                parameter["description"] = (
                    f"Results per page, {self.page_size} by default; a value above "
                    f"{self.max_page_size} is clamped to {self.max_page_size}."
                )
        return parameters

"""Ids a client sends, parsed in one place.

Every surface (the panel's forms and URLs, the changelist's actions, the REST API, the
WebSocket protocol) reads generation and asset ids through these functions, so that:

- text that is not an id gets a clear error (``BadId``, whose message names the value);
- a well-formed id that no row can have (0, negative, beyond the primary key's integer
  range) answers like a missing one, on every database: SQLite raises ``OverflowError``
  for an integer beyond 64 bits, PostgreSQL a ``DataError`` for one beyond the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models

__all__ = [
    "GENERATION_ID_MAX",
    "BadId",
    "asset_id",
    "generation_id",
    "generation_ids",
]

# Generation's primary key is a BigAutoField: 1 .. 2**63 - 1 on every database.
GENERATION_ID_MAX = 2**63 - 1

# An integer asset key as text: what the API's schema publishes as the ids' pattern.
_INTEGER = re.compile(r"[+-]?[0-9]+")


class BadId(ValueError):
    """A value that is not an id at all (``"abc"``, ``"1.5"``, a list)."""


def _show(value: object) -> str:
    return repr(str(value)[:40])


def generation_id(value: object) -> int | None:
    """The generation id ``value`` spells (an int, or text of a whole number), or None when
    no generation can have it (zero, negative, beyond 64 bits): treat None as "not found".

    Raises ``BadId`` for anything else.
    """
    if isinstance(value, bool):
        raise BadId(f"{_show(value)} is not a generation id.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        # ASCII digits only, nothing around them: int() would also take "١٢", " 7", "1\n"
        digits = value.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(value) > 40:
            raise BadId(f"{_show(value)} is not a generation id.")
        number = int(value)
    else:
        raise BadId(f"{_show(value)} is not a generation id.")
    return number if 0 < number <= GENERATION_ID_MAX else None


def generation_ids(values: Iterable[object]) -> tuple[list[int], int]:
    """``(ids, impossible)``: the distinct ids that may exist, sorted, and how many of the
    values were well-formed ids that no generation can have. Raises ``BadId`` at the first
    value that is not an id."""
    found: set[int] = set()
    impossible = 0
    for value in values:
        number = generation_id(value)
        if number is None:
            impossible += 1
        else:
            found.add(number)
    return sorted(found), impossible


def _asset_pk_field() -> models.Field[Any, Any]:
    from genstatus.conf import genstatus_settings

    pk: models.Field[Any, Any] | None = apps.get_model(genstatus_settings.ASSET_MODEL)._meta.pk
    assert pk is not None  # every concrete model has one
    return pk


def asset_id(value: object) -> Any:
    """The asset primary key ``value`` spells, converted by the asset model's pk field
    (an int, a UUID, ...), or None when no asset can have it (an integer beyond the
    column's range). Raises ``BadId`` for a value the pk field refuses."""
    pk_field = _asset_pk_field()
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadId(f"{_show(value)} is not a valid asset id.")
    if isinstance(value, str) and (value != value.strip() or not value.isprintable()):
        raise BadId(f"{_show(value)} is not a valid asset id.")  # "1\n", " 1": loose text
    text = value
    integer_text = isinstance(pk_field, models.IntegerField) and isinstance(text, str)
    if integer_text and not _INTEGER.fullmatch(str(text)):  # int() takes "١٢" and "1_0"
        raise BadId(f"{_show(value)} is not a valid asset id.")
    try:
        key = pk_field.to_python(text)
    except (ValidationError, ValueError, TypeError):
        raise BadId(f"{_show(value)} is not a valid asset id.") from None
    if key is None or key == "":
        raise BadId(f"{_show(value)} is not a valid asset id.")
    if isinstance(pk_field, models.IntegerField) and isinstance(key, int):
        try:
            low, high = connection.ops.integer_field_range(pk_field.get_internal_type())
        except KeyError:  # an integer field the backend has no range for
            return key
        if (low is not None and key < low) or (high is not None and key > high):
            return None
    return key

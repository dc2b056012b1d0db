"""What docs/deploy.md says differs between databases, asserted on the one this run uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from genstatus import lifecycle
from genstatus.filters import GenerationFilterSet
from genstatus.models import Generation

pytestmark = pytest.mark.django_db


def test_prompt_search_is_accent_insensitive_on_mariadb_only(user: Any, asset: Any) -> None:
    lifecycle.create_generation(
        owner=user,
        asset=asset,
        provider="sora",
        operation_type="text_to_image",
        prompt="Un CAFÉ au bord de l'eau",
    )

    def found(text: str) -> bool:
        return GenerationFilterSet({"q": text}, queryset=Generation.objects.all()).qs.exists()

    vendor = connection.vendor
    assert found("CAFÉ")
    assert found("un café") is (vendor != "sqlite")  # SQLite folds ASCII case only
    assert found("cafe") is (vendor == "mysql")  # utf8mb4_general_ci ignores accents


def test_partial_indexes_exist_where_the_database_has_them() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Generation._meta.db_table)
    names = set(constraints)
    partial = {"gs_gen_active_newest", "gs_gen_failed_newest"} & names
    if connection.features.supports_partial_indexes:
        assert partial, sorted(names)
    else:
        assert not partial

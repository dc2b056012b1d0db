"""The one query behind a page of badges: each asset's newest visible generation and the
visible generations in flight from it.

Hand-written SQL (portable: SQLite, PostgreSQL, MySQL; any key type), built from the same
rule as the ORM spellings in ``genstatus.mapping``: the generations of an asset ordered by
``mapping.NEWEST_FIRST``, the first one wins (``tests/test_mapping.py`` checks the two
agree). The ORM spelling needs six correlated subqueries whose compilation cost more than
the query itself on a 500-card page (docs/benchmarks.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import IntegerField, ManyToManyField, Model

from genstatus.conf import genstatus_settings
from genstatus.mapping import NEWEST_FIRST
from genstatus.models import Generation, Visibility
from genstatus.states import ACTIVE

__all__ = ["Row", "fetch", "fetch_sql"]

# What a badge reads of a generation: (id, status, version, progress, error_message).
Row = tuple[Any, str, int, int | None, str]


def _column(model: type[Model], field_name: str) -> str:
    column = getattr(model._meta.get_field(field_name), "column", None)
    if not column:  # pragma: no cover - every field used here is concrete
        raise LookupError(f"{model._meta.label}.{field_name} has no column")
    return str(column)


def _through() -> tuple[type[Model], str]:
    """The source_assets through model and the name of its foreign key to the asset."""
    field = Generation._meta.get_field("source_assets")
    assert isinstance(field, ManyToManyField)
    through = field.remote_field.through
    assert isinstance(through, type)  # resolved once the app registry is ready
    return through, field.m2m_reverse_field_name()


def newest_order_sql(alias: str, qn: Any) -> str:
    """``ORDER BY`` of ``mapping.NEWEST_FIRST`` for table alias ``alias``."""
    parts = []
    for name in NEWEST_FIRST:
        direction = " DESC" if name.startswith("-") else ""
        parts.append(f"{alias}.{qn(_column(Generation, name.lstrip('-')))}{direction}")
    return ", ".join(parts)


# Cached: the text depends only on its key (the asset model is part of it) and building it
# costs more than the rest of a 10-card page's badges.
@lru_cache(maxsize=128)
def fetch_sql(alias: str, asset_label: str, count: int, *, scoped: bool) -> str:
    """The batch query for ``count`` asset keys; parameters: the active statuses, the
    owner twice when ``scoped``, then the keys."""
    qn = connections[alias].ops.quote_name
    asset_model = apps.get_model(asset_label)
    through, asset_fk = _through()
    g = qn(Generation._meta.db_table)
    g_asset, g_id = qn(_column(Generation, "asset")), qn(_column(Generation, "id"))
    a, a_pk = qn(asset_model._meta.db_table), qn(_column(asset_model, asset_model._meta.pk.name))
    t = qn(through._meta.db_table)
    t_asset, t_generation = qn(_column(through, asset_fk)), qn(_column(through, "generation"))
    owner = qn(_column(Generation, "owner"))
    active = ", ".join(["%s"] * len(ACTIVE))
    only_s, only_n = (f" AND s.{owner} = %s", f" AND n.{owner} = %s") if scoped else ("", "")
    fields = ", ".join(
        f"g.{qn(_column(Generation, name))}"
        for name in ("id", "status", "version", "progress", "error_message")
    )
    return (
        f"SELECT a.{a_pk}, {fields}, "
        f"(SELECT COUNT(*) FROM {t} t INNER JOIN {g} s ON s.{g_id} = t.{t_generation} "
        f"WHERE t.{t_asset} = a.{a_pk} AND s.status IN ({active}){only_s}) "
        f"FROM {a} a LEFT JOIN {g} g ON g.{g_id} = (SELECT n.{g_id} FROM {g} n "
        f"WHERE n.{g_asset} = a.{a_pk}{only_n} ORDER BY {newest_order_sql('n', qn)} LIMIT 1) "
        f"WHERE a.{a_pk} IN ({', '.join(['%s'] * count)})"
    )


def owner_param(owner_id: Any, connection: BaseDatabaseWrapper) -> Any:
    """The owner key as the database takes it (a UUID user key is text on SQLite)."""
    field = get_user_model()._meta.pk
    assert field is not None  # every concrete model has a primary key
    return field.get_db_prep_value(field.to_python(owner_id), connection)


def fetch(keys: set[Any], scope: Visibility) -> tuple[dict[Any, Row | None], dict[Any, int]]:
    """``({asset_pk: Row or None}, {asset_pk: in-flight count})`` of ``keys`` in one query,
    counting only the generations ``scope`` may see (no query for nobody)."""
    asset_model = apps.get_model(genstatus_settings.ASSET_MODEL)
    pk_field = asset_model._meta.pk
    assert pk_field is not None  # every concrete model has a primary key
    if not keys or scope.nobody:  # nothing to show: hidden badges, no query
        return dict.fromkeys(pk_field.to_python(key) for key in keys), {}
    connection = connections[router.db_for_read(asset_model)]
    # integer keys, the common case, go to the database and come back as they are
    plain = isinstance(pk_field, IntegerField) and all(type(key) is int for key in keys)
    if plain:
        params = list(keys)
    else:
        keys = {pk_field.to_python(key) for key in keys}
        params = [pk_field.get_db_prep_value(key, connection) for key in keys]
    owner = [] if scope.everybody else [owner_param(scope.owner_id, connection)]
    rows: dict[Any, Row | None] = dict.fromkeys(keys)  # a deleted asset: a hidden badge
    counts: dict[Any, int] = {}
    sql = fetch_sql(connection.alias, asset_model._meta.label, len(params), scoped=bool(owner))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sorted(ACTIVE), *owner, *owner, *params])
        for pk, generation_id, status, version, progress, message, count in cursor.fetchall():
            if not plain:
                pk = pk_field.to_python(pk)
            if status:
                rows[pk] = (generation_id, status, version, progress, message or "")
            if count:
                counts[pk] = count
    return rows, counts

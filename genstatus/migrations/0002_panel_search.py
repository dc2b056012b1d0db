# Indexes for the Generations panel, kept out of the model state on purpose:
#
# - gs_gen_prompt_trgm (PostgreSQL only): a trigram GIN index on UPPER(prompt), the exact
#   expression `prompt__icontains` compiles to (`UPPER("prompt"::text) LIKE UPPER(%s)`). An
#   index on the bare column is never used for icontains. Needs the pg_trgm extension,
#   created here if missing (trusted since PostgreSQL 13: the database owner may create it).
#   Nothing happens on SQLite, where search stays a correct scan.
# - gs_gen_active_newest / gs_gen_failed_newest (every backend with partial indexes: not
#   MariaDB or MySQL): partial indexes on
#   (created_at DESC, id DESC) for the small Active and Failed sets, so their tabs list
#   newest first without a sort and count exactly with an index-only scan.
#
# Plain SQL through RunPython instead of AddIndex: django.contrib.postgres (whose
# TrigramExtension/GinIndex/OpClass would express the first one) imports psycopg, which a
# SQLite-only host does not have, and the index names are stable for the benchmark's
# EXPLAIN checks. The model state is untouched, so `makemigrations --check` stays clean.

from django.db import migrations

TABLE = "genstatus_generation"

PARTIAL = [
    (
        "gs_gen_active_newest",
        "status IN ('pending', 'processing', 'queued')",
    ),
    ("gs_gen_failed_newest", "status = 'failed'"),
]


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    # MariaDB and MySQL have no partial indexes: their tabs use gs_gen_status_newest
    partial = PARTIAL if connection.features.supports_partial_indexes else []
    for name, condition in partial:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(TABLE)} "
            f"({quote('created_at')} DESC, {quote('id')} DESC) WHERE {condition}"
        )
    if connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote('gs_gen_prompt_trgm')} ON {quote(TABLE)} "
            f"USING gin (UPPER({quote('prompt')}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    features = schema_editor.connection.features
    names = [name for name, _condition in PARTIAL] if features.supports_partial_indexes else []
    if schema_editor.connection.vendor == "postgresql":
        names.append("gs_gen_prompt_trgm")
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


class Migration(migrations.Migration):
    dependencies = [("genstatus", "0001_initial")]

    # atomic=False: on a database that cannot roll DDL back (MariaDB, MySQL) Django refuses
    # DDL inside a transaction; elsewhere the migration's own transaction still holds it
    operations = [
        migrations.RunPython(create_indexes, drop_indexes, atomic=False, elidable=False)
    ]

# Statistics and health (issue 20, docs/observability.md):
#
# - MaintenanceRun: one row per maintenance task ("reap"), written by each reaper run, so
#   the panel's health banner and the metrics can say when the reaper last ran.
# - DailyStat: everyone's counts per closed UTC day (genstatus.stats.rollup), which the
#   30-day window reads instead of every row of the window.
# - gs_gen_finished_stats: the finished rows by finish time. Every windowed figure of the
#   Statistics page and of the metrics (completed, failed, cancelled, error codes, queue
#   wait and run duration, the series) reads one range of it. On PostgreSQL it carries
#   what those figures read (INCLUDE), so they are index-only scans of the window, never a
#   scan of the table.
# - gs_gen_created_stats: the rows by creation time, for the "created" figure; on
#   PostgreSQL carrying provider, operation and owner.
#
# Plain SQL through RunPython, as 0002-0004: the model state is untouched. Partial and
# covering parts only where the database has them (MariaDB and MySQL get plain indexes).
# On PostgreSQL the indexes are built CONCURRENTLY (reads and writes go on), hence a
# non-atomic migration.

from django.db import migrations, models

TABLE = "genstatus_generation"
FINISHED = "gs_gen_finished_stats"
CREATED = "gs_gen_created_stats"
FINISHED_COVERS = (
    "provider",
    "operation_type",
    "status",
    "owner_id",
    "created_at",
    "started_at",
    "error_code",
)
CREATED_COVERS = ("provider", "operation_type", "owner_id")


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    postgres = connection.vendor == "postgresql"
    concurrently = " CONCURRENTLY" if postgres else ""
    exists = "" if connection.vendor == "mysql" else " IF NOT EXISTS"
    for name, column, covers in (
        (FINISHED, "finished_at", FINISHED_COVERS),
        (CREATED, "created_at", CREATED_COVERS),
    ):
        include = f" INCLUDE ({', '.join(quote(c) for c in covers)})" if postgres else ""
        where = ""
        if name == FINISHED and connection.features.supports_partial_indexes:
            where = f" WHERE {quote('finished_at')} IS NOT NULL"
        if postgres:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")
        schema_editor.execute(
            f"CREATE INDEX{concurrently}{exists} {quote(name)} ON {quote(TABLE)} "
            f"({quote(column)}){include}{where}"
        )


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    for name in (FINISHED, CREATED):
        if connection.vendor == "mysql":
            schema_editor.execute(f"DROP INDEX {quote(name)} ON {quote(TABLE)}")
        else:
            concurrently = " CONCURRENTLY" if connection.vendor == "postgresql" else ""
            schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {quote(name)}")


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("genstatus", "0004_panel_cancelled_tab")]

    operations = [
        migrations.CreateModel(
            name="MaintenanceRun",
            fields=[
                ("task", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("ran_at", models.DateTimeField()),
                (
                    "changed",
                    models.PositiveIntegerField(default=0, help_text="Rows the run changed."),
                ),
            ],
            options={"verbose_name": "maintenance run"},
        ),
        migrations.CreateModel(
            name="DailyStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("kind", models.CharField(max_length=10)),
                ("provider", models.CharField(blank=True, max_length=100)),
                ("operation_type", models.CharField(blank=True, max_length=50)),
                ("status", models.CharField(blank=True, max_length=20)),
                ("error_code", models.CharField(blank=True, max_length=100)),
                ("count", models.PositiveIntegerField(default=0)),
                ("histogram", models.JSONField(blank=True, default=dict)),
            ],
            options={
                "verbose_name": "daily statistic",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "kind", "provider", "operation_type", "status", "error_code"),
                        name="gs_dailystat_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(create_indexes, drop_indexes, atomic=False, elidable=False),
    ]

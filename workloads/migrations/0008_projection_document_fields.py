"""Issue 19, the nightly re-projection: the projection's JSON columns are written many rows at
a time (see DocumentJSONField; no SQL), and PostgreSQL compresses them with lz4 instead of
pglz, about half the server's cost of storing a ~12 kB projection. Rows already stored keep
their pglz compression; PostgreSQL reads both. Without lz4 (a build without it, before 14,
SQLite) the columns stay as they are."""

from django.db import DatabaseError, migrations, transaction

import workloads.models.projections

COLUMNS = ("inputs", "result", "scenarios")


def _set_compression(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    table = schema_editor.quote_name("workloads_workloadprojection")
    columns = ", ".join(
        f"ALTER COLUMN {schema_editor.quote_name(c)} SET COMPRESSION {method}" for c in COLUMNS
    )
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} {columns}")
    except DatabaseError:  # compression method lz4 not supported: keep the default
        pass


def compress_with_lz4(apps, schema_editor) -> None:
    _set_compression(schema_editor, "lz4")


def compress_by_default(apps, schema_editor) -> None:
    _set_compression(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [
        ("workloads", "0007_price_truth"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workloadprojection",
            name="inputs",
            field=workloads.models.projections.DocumentJSONField(),
        ),
        migrations.AlterField(
            model_name="workloadprojection",
            name="result",
            field=workloads.models.projections.DocumentJSONField(),
        ),
        migrations.AlterField(
            model_name="workloadprojection",
            name="scenarios",
            field=workloads.models.projections.DocumentJSONField(default=dict),
        ),
        migrations.RunPython(compress_with_lz4, compress_by_default, elidable=False),
    ]

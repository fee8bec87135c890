"""No ``varchar_pattern_ops`` twin indexes on the registry's keys when the
database sorts bytewise.

Django adds a second index (``..._like``, ``varchar_pattern_ops``) to every
indexed CharField on PostgreSQL, because under a linguistic collation a
plain B-tree cannot serve ``LIKE 'prefix%'``.  Under the "C" collation
(``LC_COLLATE=C``, which deploy/local's initdb sets; text then sorts by code
point, as C.UTF-8 did) the plain index serves prefix searches itself, so
the twin only costs writes and bulk-load time: 0.07 s of a 156,052-building
import, and the BIN's unique and (ward, BIN) indexes build faster too.

A database with another collation keeps the twins (prefix searches need
them there).  Django re-adds a twin if a later migration alters one of
these fields: drop it again there."""

from django.db import migrations

# The tables the importer and the generator bulk-load, and their keys.
TWINS = {
    "Building": "bin",
    "Road": "code",
    "Drain": "code",
    "Holding": "code",
}


def _bytewise(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datcollate IN ('C', 'POSIX') FROM pg_database"
            " WHERE datname = current_database()"
        )
        return bool(cursor.fetchone()[0])


def twins_drop(apps, schema_editor):
    connection = schema_editor.connection
    if not _bytewise(connection):
        return
    tables = [apps.get_model("registry", name)._meta.db_table for name in TWINS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = ANY(%s) AND indexdef LIKE '%%varchar_pattern_ops%%'",
            [tables],
        )
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def twins_restore(apps, schema_editor):
    for name, field_name in TWINS.items():
        model = apps.get_model("registry", name)
        statement = schema_editor._create_like_index_sql(model, model._meta.get_field(field_name))
        if statement is not None:
            schema_editor.execute(
                str(statement).replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_building_road_no_index"),
    ]

    operations = [migrations.RunPython(twins_drop, twins_restore)]

"""The copies a file checked in parts is checked against (pipeline.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from psycopg import sql

from backoffice.registry.importing import pipeline
from backoffice.registry.models import Ward

pytestmark = pytest.mark.django_db


def _plan(job_id: int) -> pipeline.Plan:
    tables = pipeline.copies_make(schema=connection.schema_name, job_id=job_id)
    return pipeline.Plan(first=(1, 1), second=(2, 2), tables=tables)


def test_the_copies_hold_the_wards_and_roads(registry_a):
    plan = _plan(990001)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}")
            .format(sql.Identifier(plan.tables["wards"]))
            .as_string(connection.connection)
        )
        assert cursor.fetchone()[0] == Ward.objects.count() == 4
    pipeline.copies_verify(schema=connection.schema_name, plan=plan)  # nothing changed


def test_a_ward_deleted_after_the_copy_stops_the_import(registry_a):
    plan = _plan(990002)
    Ward.objects.filter(number=4).delete()
    with pytest.raises(ValidationError, match="deleted while the file was being imported"):
        pipeline.copies_verify(schema=connection.schema_name, plan=plan)


def test_a_foreign_key_that_does_not_hold_is_logged_and_left_not_valid(registry_a, caplog):
    """constraints_validate runs before every import: a key that cannot be
    validated is reported in the log and does not stop the import."""
    from backoffice.registry.importing.services import constraints_validate
    from tests.backoffice.registry.factories import building_make

    building = building_make(ward=1, index=0)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the new row's checks, done
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'registry_building'::regclass AND contype = 'f'"
            " AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (ward_id)%%'"
        )
        name, definition = cursor.fetchone()
        drop = sql.SQL("ALTER TABLE registry_building DROP CONSTRAINT {}").format(
            sql.Identifier(name)
        )
        cursor.execute(drop.as_string(connection.connection))
        cursor.execute("UPDATE registry_building SET ward_id = -1 WHERE id = %s", [building.pk])
        add = sql.SQL("ALTER TABLE registry_building ADD CONSTRAINT {} {} NOT VALID").format(
            sql.Identifier(name), sql.SQL(definition)
        )
        cursor.execute(add.as_string(connection.connection))
    assert constraints_validate() == []
    assert "does not hold" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT convalidated FROM pg_constraint"
            " WHERE conrelid = 'registry_building'::regclass AND conname = %s",
            [name],
        )
        assert cursor.fetchone() == (False,)


def test_a_killed_runs_copies_and_second_part_are_swept(registry_a):
    """A worker killed while a file was checked in parts leaves the second
    part's table and the copies; the next run drops them with the rest."""
    from backoffice.registry.importing.staging import (
        pipeline_table_names,
        staging_tables_sweep,
    )

    left = pipeline_table_names(990003)
    pipeline.copies_make(schema=connection.schema_name, job_id=990003)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE UNLOGGED TABLE {} (row_no integer)")
            .format(sql.Identifier(left["checked"]))
            .as_string(connection.connection)
        )
    swept = staging_tables_sweep()
    assert {left["checked"], left["wards"], left["roads"]} <= set(swept)

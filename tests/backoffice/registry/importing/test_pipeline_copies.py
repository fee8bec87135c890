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

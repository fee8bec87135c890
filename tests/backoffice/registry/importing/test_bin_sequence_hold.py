"""The import's transaction holds the BIN sequence (writers.bin_sequence_hold_sql):
while it is open, another session's BIN allocation waits (a short lock
timeout turns the wait into an error here), and the numbers it took are
given back when it rolls back.  The other municipality's sequence is not
held.  The "import" is a savepoint of the test's transaction."""

import psycopg
import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context
from psycopg import sql

from backoffice.registry.importing import writers
from backoffice.registry.models import BIN_SEQUENCE
from tests.support.connections import own_connection

pytestmark = pytest.mark.django_db


def _sequence(schema: str) -> sql.Composed:
    return sql.Identifier(schema, BIN_SEQUENCE)


def _next_elsewhere(schema: str) -> int:
    with own_connection() as other:
        other.execute("SET lock_timeout = '300ms'")
        query = sql.SQL("SELECT nextval({})").format(sql.Literal(f'"{schema}".{BIN_SEQUENCE}'))
        return other.execute(query).fetchone()[0]


def _last(schema: str) -> tuple:
    with own_connection() as other:
        query = sql.SQL("SELECT last_value, is_called FROM {}").format(_sequence(schema))
        return other.execute(query).fetchone()


def test_a_held_sequence_makes_other_creators_wait_and_gives_numbers_back(tenant_a, tenant_b):
    schema, other_schema = tenant_a.schema_name, tenant_b.schema_name
    before = _last(schema)
    with schema_context(schema), pytest.raises(RuntimeError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(writers.bin_sequence_hold_sql(schema=schema).as_string(None))
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, 5)", [BIN_SEQUENCE])
        with pytest.raises(psycopg.errors.LockNotAvailable):
            _next_elsewhere(schema)
        _next_elsewhere(other_schema)  # another municipality's: not held
        raise RuntimeError("the import fails")
    assert _last(schema) == before  # the five numbers were given back
    assert _next_elsewhere(schema)  # and nothing is held any more

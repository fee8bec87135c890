import pytest
from django.db import connection

from tests.backoffice.registry.factories import wards_make
from tests.support.connections import own_connection


@pytest.fixture
def registry_a(tenant_a):
    """Khulna's schema with four wards, for the test's transaction."""
    connection.set_tenant(tenant_a)
    wards_make(4)
    yield tenant_a


def staging_tables_drop() -> None:
    """Staging tables are made by ogr2ogr on its own connection (committed);
    the drop inside a test's transaction is rolled back, so drop them from
    a connection of our own, when no test transaction holds them."""
    with own_connection() as conn:
        rows = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE tablename ~ '^registry_import_(stage|check|grid|aux_[a-z]+)_[0-9]+$'"
        ).fetchall()
        for schema, table in rows:
            conn.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}"')


@pytest.fixture(autouse=True, scope="module")
def _staging_tables_dropped(django_db_setup, django_db_blocker):
    yield
    staging_tables_drop()

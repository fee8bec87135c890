"""The registry's keys under the database's bytewise collation (registry
migration 0008): no ``varchar_pattern_ops`` twins, and a BIN or holding-code
prefix search (the lists' search) still reads the key's own index, in both
municipalities."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.registry.models import Building, Holding

pytestmark = pytest.mark.django_db

TABLES = ["registry_building", "registry_road", "registry_drain", "registry_holding"]
migration = importlib.import_module("backoffice.registry.migrations.0008_bytewise_no_pattern_twins")


def _twins(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s)"
            " AND indexdef LIKE '%%pattern_ops%%' ORDER BY 1",
            [schema, TABLES],
        )
        return [name for (name,) in cursor.fetchall()]


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few test rows: force the choice
    return queryset.explain()


def test_the_database_sorts_bytewise():  # deploy/local's initdb: --lc-collate=C
    with connection.cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        assert cursor.fetchone()[0] == "C"


def test_the_registry_keys_have_no_pattern_twins(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        assert _twins(tenant.schema_name) == []


def test_prefix_searches_read_the_keys_own_indexes(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            buildings = Building.objects.filter(bin__startswith="K")
            holdings = Holding.objects.filter(code__startswith="01-")
            assert "registry_building_bin_key" in _plan(buildings)
            assert "registry_holding_code_key" in _plan(holdings)


def test_the_migration_restores_and_drops_the_twins(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name), connection.schema_editor() as editor:
        migration.twins_restore(apps, editor)
        assert len(_twins(tenant_a.schema_name)) == len(migration.TWINS)
        assert _twins(tenant_b.schema_name) == []  # the other municipality's are its own
        migration.twins_drop(apps, editor)
        assert _twins(tenant_a.schema_name) == []

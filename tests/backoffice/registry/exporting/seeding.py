"""Exports of GeoPackage and Shapefile are written by ogr2ogr on its own
connection, which sees only committed rows: the registry rows these tests
export are committed by manage.py, for the module, and removed after it."""

import json

import pytest

from tests.support.cleanup import manage

_SEED = """
import json
from django_tenants.utils import schema_context
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
out = {}
for schema, prefix, n in (("khulna", "01", 5), ("jashore", "01", 3)):
    with schema_context(schema):
        wards_make(2)
        buildings = [
            building_make(ward=1 + i % 2, index=i, house_number=f"বাড়ি {i}", low_income=i == 1)
            for i in range(n)
        ]
        # Text a spreadsheet would run as a formula, were it not guarded.
        buildings.append(building_make(ward=2, index=n, house_number="=1+2"))
        holding = holding_make(code=f"{prefix}-001-0001-00", buildings=buildings[:2],
                               address="১২ কেডিএ এভিনিউ, খুলনা")
        holding_make(code=f"{prefix}-001-0002-00", address="Lane 3")
        out[schema] = {"bins": [b.bin for b in buildings]}
print("SEED" + json.dumps(out))
"""

_CLEANUP = """
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, ChangeRecord, Holding, Ward
for schema in ("khulna", "jashore"):
    with schema_context(schema):
        Holding.objects.all().delete()
        Building.objects.all().delete()
        Ward.objects.all().delete()
        ChangeRecord.objects.all().delete()
"""


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """{"khulna": {"bins": [...]}, "jashore": {...}}, committed."""
    manage("shell", "-c", _CLEANUP)  # what an interrupted run left
    result = manage("shell", "-c", _SEED)
    assert result.returncode == 0, result.stderr
    yield json.loads(result.stdout.split("SEED", 1)[1])
    cleanup = manage("shell", "-c", _CLEANUP)
    assert cleanup.returncode == 0, cleanup.stderr

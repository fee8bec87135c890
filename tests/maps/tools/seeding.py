"""A small committed city in khulna for what runs on another connection
(ogr2ogr exports, the live server of the browser tests): wards, buildings,
an owner, a pond and containments beside it.  Made and removed by
manage.py in a fresh process; the pond is at the same place as in
test_tools.py, so the same three containments lie within 30 m."""

import json

import pytest

from tests.support.cleanup import manage

SEED = """
import json
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django_tenants.utils import schema_context
from backoffice.fsm.models import Containment, ContainmentType
from backoffice.registry import services
from backoffice.registry.models import Ward, Waterbody
from tests.backoffice.registry.factories import ORIGIN, building_make, holding_make, wards_make
POND = (ORIGIN[0] + 0.002, ORIGIN[1] + 0.003, ORIGIN[0] + 0.003, ORIGIN[1] + 0.004)
with schema_context("khulna"):
    before = set(Ward.objects.values_list("pk", flat=True))
    wards = wards_make()
    buildings = [building_make(ward=w, index=i, population=5 + i) for w in (1, 2) for i in range(8)]
    owner = services.owner_create(actor=None, name_en="Rahima Khatun", name_bn="রহিমা খাতুন")
    holding = holding_make(code="01-001-0001-01", buildings=[buildings[0]], owners=[owner])
    x0, y0, x1, y1 = POND
    ring = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    pond = Waterbody.objects.create(name_en="Seed pond", kind="pond",
                                    area=MultiPolygon(Polygon(ring, srid=4326)))
    kind = ContainmentType.objects.order_by("sort_order").first()
    made = [Containment.objects.create(code=f"S-C{i:03d}", containment_type=kind,
            location=Point(x1 + i * 0.0001, (y0 + y1) / 2, srid=4326), population_served=3).pk
            for i in range(12)]
    print("SEED" + json.dumps({
        "bin": buildings[0].bin, "building": buildings[0].pk,
        "buildings": [b.pk for b in buildings], "holdings": [holding.pk], "owners": [owner.pk],
        "containments": made, "pond": pond.pk,
        "wards": [w.pk for w in wards if w.pk not in before],
        "pond_centre": [(x0 + x1) / 2, (y0 + y1) / 2],
    }))
"""

CLEANUP = """
from django.db.models import Q
from django_tenants.utils import schema_context
from backoffice.fsm.models import Containment
from backoffice.registry.models import Building, ChangeRecord, Holding, Owner, Ward, Waterbody
made = %(made)r
with schema_context("khulna"):
    Containment.objects.filter(code__startswith="S-C").delete()
    Waterbody.objects.filter(name_en="Seed pond").delete()
    if made:
        ChangeRecord.objects.filter(
            Q(model="building", object_id__in=made["buildings"])
            | Q(model="holding", object_id__in=made["holdings"])
            | Q(model="owner", object_id__in=made["owners"])
        ).delete()
        Holding.objects.filter(pk__in=made["holdings"]).delete()
        Owner.objects.filter(pk__in=made["owners"]).delete()
        Building.objects.filter(pk__in=made["buildings"]).delete()
        Ward.objects.filter(pk__in=made["wards"]).delete()
"""


@pytest.fixture(scope="module")
def seeded_city(django_db_setup, django_db_blocker):
    manage("shell", "-c", CLEANUP % {"made": {}})
    result = manage("shell", "-c", SEED)
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout.split("SEED", 1)[1].strip().splitlines()[0])
    yield made
    cleanup = manage("shell", "-c", CLEANUP % {"made": made})
    assert cleanup.returncode == 0, cleanup.stderr

"""A layer's ``where`` may use ``{today}`` (the municipality's date, a query
parameter), as attributes can: tiles, OGC items and one item, find, info,
the tools (selection, summary, a buffer around the layer) and exports all
keep only the rows it admits.  The date is the municipality's own."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django_tenants.utils import schema_context

from backoffice.fsm.models import Containment, ContainmentType
from maps import registry
from maps.registry import Attribute, Layer
from tenants.clock import municipality_today
from tests.backoffice.registry.factories import ORIGIN, building_make, wards_make
from tests.conftest import login
from tests.maps.helpers import cache_clear, decode, tile_of, tile_url

pytestmark = pytest.mark.django_db
SLUG = "overdue_test"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def overdue_layer():
    layer = Layer(
        slug=SLUG,
        title="Overdue (test)",
        roles=("gis_officer",),
        model=Containment,
        geometry="location",
        geometry_type="point",
        module="fsm",
        attributes=(
            Attribute("code", "code"),
            Attribute("next_due_on", "due", type="date", sql='t."next_due_on"::text'),
            Attribute("population_served", "population", type="integer"),
        ),
        style={"type": "circle", "paint": {}},
        search_fields=("code",),
        sum_fields=("population_served",),
        where="t.next_due_on < {today}",
        daily=True,
    )
    registry.layer_register(layer)
    yield layer
    registry._LAYERS.pop(SLUG, None)


@pytest.fixture
def due_pair(tenant_a):
    """One containment due yesterday, one due today (not yet overdue), on
    the municipality's date, side by side."""
    with schema_context(tenant_a.schema_name):
        today = municipality_today(tenant_a)
        kind = ContainmentType.objects.order_by("sort_order").first()
        x, y = ORIGIN[0] + 0.0021, ORIGIN[1] + 0.0021
        made = {}
        for name, due, dx in (("late", today - datetime.timedelta(days=1), 0), ("now", today, 1)):
            made[name] = Containment.objects.create(
                code=f"W-{name}",
                containment_type=kind,
                location=Point(x + dx * 0.00005, y, srid=4326),
                next_due_on=due,
                population_served=4,
            )
        return made


def test_where_with_today_needs_a_daily_layer():
    with pytest.raises(ValueError):
        Layer("x", "X", ("viewer",), where="t.due < {today}")
    layer = Layer("x", "X", ("viewer",), where="t.due < {today} AND t.b > {today}", daily=True)
    params: dict = {}
    text = layer.where_sql(params).as_string(None)
    assert text == "(t.due < %(maps_today)s AND t.b > %(maps_today)s)"
    assert isinstance(params[registry.TODAY_PARAM], datetime.date)
    assert Layer("y", "Y", ("viewer",)).where_sql({}) is None


def test_today_is_the_municipality_s_date(tenant_a):
    # 25 hours apart: these two are never on the same date.
    east = type("M", (), {"timezone": "Pacific/Kiritimati"})()
    west = type("M", (), {"timezone": "Pacific/Pago_Pago"})()
    assert (municipality_today(east) - municipality_today(west)).days in (1, 2)
    with schema_context(tenant_a.schema_name):
        assert registry.layer_today() == municipality_today(tenant_a)


def test_every_reader_keeps_only_what_the_where_admits(tenant_a, client_a, overdue_layer, due_pair):
    late, now = due_pair["late"], due_pair["now"]
    login(client_a, tenant_a, "gis_officer")
    # Tiles (at full detail).
    response = client_a.get(tile_url(SLUG, *tile_of(late.location.x, late.location.y, 17)))
    assert [f["code"] for f in decode(response.content, SLUG)] == ["W-late"]
    # OGC API items, one item.
    items = client_a.get(f"/ogc/collections/{SLUG}/items").json()
    assert [f["properties"]["code"] for f in items["features"]] == ["W-late"]
    assert client_a.get(f"/ogc/collections/{SLUG}/items/{late.pk}").status_code == 200
    assert client_a.get(f"/ogc/collections/{SLUG}/items/{now.pk}").status_code == 404
    # Find and the info box.
    found = client_a.get("/staff/map/api/find/", {"q": "W-", "layer": SLUG}).json()["results"]
    assert [r["id"] for r in found] == [late.pk]
    assert client_a.get(f"/staff/map/api/info/{SLUG}/{late.pk}/").status_code == 200
    assert client_a.get(f"/staff/map/api/info/{SLUG}/{now.pk}/").status_code == 404
    # The tools: a selection, a summary, a buffer around the layer's rows.
    selected = client_a.post("/staff/map/api/select/", {"layer": SLUG}).json()
    assert selected["count"] == 1 and selected["rows"][0]["id"] == late.pk
    summary = client_a.post("/staff/map/api/summary/", {"layer": SLUG, "group": "area"}).json()
    assert summary["total"] == {"count": 1, "population_served": 4}
    around = client_a.post(
        "/staff/map/api/select/",
        {"layer": "containments", "buffer_m": "1", "source": SLUG},
    )
    assert around.status_code == 200, around.content
    assert [row["id"] for row in around.json()["rows"]] == [late.pk]
    # An export (CSV streams on this connection).
    response = client_a.post("/staff/map/api/export/csv/", {"layer": SLUG})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "W-late" in lines[1]


def test_a_buffer_around_one_feature_of_a_layer_with_a_where(tenant_a, client_a):
    """The source layer's ``where`` is written over ``t``: the source rows
    are ``t`` in the buffer's source too (buildings: not demolished)."""
    with schema_context(tenant_a.schema_name):
        wards_make()
        buildings = [building_make(ward=1, index=i) for i in range(3)]
    login(client_a, tenant_a, "gis_officer")
    response = client_a.post(
        "/staff/map/api/select/",
        {
            "layer": "buildings",
            "buffer_m": "1",
            "source": "buildings",
            "source_id": str(buildings[0].pk),
        },
    )
    assert response.status_code == 200, response.content
    assert buildings[0].pk in [row["id"] for row in response.json()["rows"]]

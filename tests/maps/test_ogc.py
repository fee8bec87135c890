"""OGC API - Features: landing page, conformance, collections (the fields
QGIS needs), items with paging, bbox and attribute filters, one item; the
same role and attribute rules as the tiles."""

import pytest
from django_tenants.utils import schema_context

from tests.backoffice.registry.factories import ORIGIN, WARD_SIZE, building_make, registry_sample
from tests.conftest import login, staff_user
from tests.maps.helpers import cache_clear

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        actor = staff_user(tenant_a, "gis_officer")
        sample = registry_sample(actor)
        # Seven more residential buildings in ward 3: 10 buildings in all.
        sample["more"] = [building_make(actor, ward=3, index=i) for i in range(7)]
        return sample


@pytest.fixture
def viewer_a(client_a, tenant_a):
    return login(client_a, tenant_a, "viewer")


def test_landing_and_conformance(viewer_a):
    landing = viewer_a.get("/ogc/")
    assert landing.status_code == 200 and landing["Content-Type"] == "application/json"
    rels = {link["rel"]: link["href"] for link in landing.json()["links"]}
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    conforms = viewer_a.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms


def test_collections_carry_what_qgis_reads(viewer_a, sample_a):
    body = viewer_a.get("/ogc/collections").json()
    by_id = {c["id"]: c for c in body["collections"]}
    assert {"buildings", "roads", "wards", "waterbodies", "drains"} <= set(by_id)
    buildings = by_id["buildings"]
    assert buildings["itemType"] == "feature" and CRS84 in buildings["crs"]
    minx, miny, maxx, maxy = buildings["extent"]["spatial"]["bbox"][0]
    assert minx == pytest.approx(ORIGIN[0] + 0.001, abs=1e-6)
    assert maxy > miny and maxx > minx
    assert any(link["rel"] == "items" for link in buildings["links"])
    one = viewer_a.get("/ogc/collections/buildings").json()
    assert one["id"] == "buildings" and one["extent"] == buildings["extent"]


def test_items_paging_with_links(viewer_a, sample_a):
    first = viewer_a.get("/ogc/collections/buildings/items", {"limit": 4})
    assert first.status_code == 200 and first["Content-Type"] == "application/geo+json"
    page = first.json()
    assert page["type"] == "FeatureCollection"
    assert page["numberMatched"] == 10 and page["numberReturned"] == 4
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert "prev" not in rels and "offset=4" in rels["next"]
    seen = [f["id"] for f in page["features"]]
    last = viewer_a.get("/ogc/collections/buildings/items", {"limit": 4, "offset": 8}).json()
    assert last["numberReturned"] == 2
    rels = {link["rel"] for link in last["links"]}
    assert "next" not in rels and "prev" in rels
    middle = viewer_a.get(rels and "/ogc/collections/buildings/items?limit=4&offset=4").json()
    ids = seen + [f["id"] for f in middle["features"]] + [f["id"] for f in last["features"]]
    assert len(set(ids)) == 10
    feature = page["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert {"bin", "use", "ward", "population"} <= set(feature["properties"])
    assert "owner_names" not in feature["properties"]


def test_bbox_and_attribute_filters(viewer_a, sample_a):
    ward3 = (ORIGIN[0], ORIGIN[1] + WARD_SIZE, ORIGIN[0] + WARD_SIZE, ORIGIN[1] + 2 * WARD_SIZE)
    bbox = ",".join(str(v) for v in ward3)
    inside = viewer_a.get("/ogc/collections/buildings/items", {"bbox": bbox}).json()
    assert inside["numberMatched"] == 7
    assert {f["properties"]["ward"] for f in inside["features"]} == {3}
    shops = viewer_a.get("/ogc/collections/buildings/items", {"use": "commercial"}).json()
    assert [f["properties"]["bin"] for f in shops["features"]] == [sample_a["shop"].bin]
    ward1 = viewer_a.get("/ogc/collections/buildings/items", {"ward": "1", "use": "residential"})
    assert ward1.json()["numberMatched"] == 2
    assert viewer_a.get("/ogc/collections/buildings/items", {"ward": "x"}).status_code == 400
    assert viewer_a.get("/ogc/collections/buildings/items", {"bbox": "1,2"}).status_code == 400
    assert viewer_a.get("/ogc/collections/buildings/items", {"nonsense": "1"}).status_code == 400
    # A hidden attribute is no filter either (no probing owners' names).
    assert (
        viewer_a.get(
            "/ogc/collections/buildings/items", {"owner_names": "Rahima Begum"}
        ).status_code
        == 400
    )


def test_owner_readers_get_owner_names(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "revenue_collector")
    items = client_a.get("/ogc/collections/buildings/items", {"owner_names": "Rahima Begum"}).json()
    assert [f["properties"]["bin"] for f in items["features"]] == [sample_a["plain"].bin]


def test_one_item(viewer_a, sample_a):
    plain = sample_a["plain"]
    response = viewer_a.get(f"/ogc/collections/buildings/items/{plain.pk}")
    assert response.status_code == 200
    feature = response.json()
    assert feature["id"] == plain.pk and feature["properties"]["bin"] == plain.bin
    assert any(link["rel"] == "self" for link in feature["links"])
    assert viewer_a.get("/ogc/collections/buildings/items/999999").status_code == 404


def test_layers_the_role_may_not_see(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "revenue_collector")
    ids = {c["id"] for c in client_a.get("/ogc/collections").json()["collections"]}
    assert "buildings" in ids and "containments" not in ids
    assert client_a.get("/ogc/collections/containments").status_code == 404
    assert client_a.get("/ogc/collections/containments/items").status_code == 404
    login(client_a, tenant_a, "communications_officer")
    assert client_a.get("/ogc/collections").json()["collections"] == []
    assert client_a.get("/ogc/collections/buildings/items").status_code == 404


def test_anonymous_gets_401(client_a):
    response = client_a.get("/ogc/collections")
    assert response.status_code == 401 and "Token" in response["WWW-Authenticate"]


def test_other_municipality_serves_its_own_features(client_b, tenant_b, sample_a):
    login(client_b, tenant_b, "viewer")
    assert client_b.get("/ogc/collections/buildings/items").json()["numberMatched"] == 0
    assert (
        client_b.get(f"/ogc/collections/buildings/items/{sample_a['plain'].pk}").status_code == 404
    )


def test_items_cost_a_fixed_number_of_queries(viewer_a, sample_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for limit in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            response = viewer_a.get("/ogc/collections/buildings/items", {"limit": limit})
            assert response.status_code == 200
        counts.append(len([q for q in queries if not q["sql"].startswith("SET ")]))
    # host, session, user, roles, the page, the count (only when paging)
    assert counts[0] <= 6 and counts[1] <= counts[0]


def test_queryables_are_the_visible_attributes(client_a, tenant_a, viewer_a):
    body = viewer_a.get("/ogc/collections/buildings/queryables").json()
    assert body["properties"]["ward"]["type"] == "integer"
    assert "residential" in body["properties"]["use"]["enum"]
    assert "owner_names" not in body["properties"]
    login(client_a, tenant_a, "revenue_chief")
    chief = client_a.get("/ogc/collections/buildings/queryables").json()
    assert "owner_names" in chief["properties"]
    login(client_a, tenant_a, "revenue_collector")
    assert client_a.get("/ogc/collections/containments/queryables").status_code == 404

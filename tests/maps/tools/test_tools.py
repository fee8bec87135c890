"""The map tools' numbers against independent PostGIS queries written here,
find and info per role, exports opened back with GDAL, and the other
municipality seeing none of it."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.fsm.models import Containment, ContainmentType
from backoffice.registry import services
from backoffice.registry.models import Waterbody
from tests.backoffice.registry.factories import ORIGIN, building_make, holding_make, wards_make
from tests.conftest import login

# A pond in ward 1, south-west part; buildings and containments around it.
POND = (ORIGIN[0] + 0.002, ORIGIN[1] + 0.003, ORIGIN[0] + 0.003, ORIGIN[1] + 0.004)


def _square(x0, y0, x1, y1):
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326)


@pytest.fixture
def city(tenant_a):
    with schema_context(tenant_a.schema_name):
        wards_make()
        buildings = [
            building_make(
                ward=w, index=i, population=5 + i, use="commercial" if i % 3 else "residential"
            )
            for w in (1, 2)
            for i in range(8)
        ]
        owner = services.owner_create(actor=None, name_en="Rahima Khatun", name_bn="রহিমা খাতুন")
        holding_make(code="01-001-0001-01", buildings=[buildings[0]], owners=[owner])
        Waterbody.objects.create(name_en="Pond", kind="pond", area=MultiPolygon(_square(*POND)))
        kind = ContainmentType.objects.order_by("sort_order").first()
        containments = []
        for i in range(12):
            # A line of containments east of the pond: 0 m, ~10 m, ~20 m ... from its edge.
            x = POND[2] + i * 0.0001
            containments.append(
                Containment.objects.create(
                    code=f"T-C{i:03d}",
                    containment_type=kind,
                    location=Point(x, (POND[1] + POND[3]) / 2, srid=4326),
                    population_served=3,
                )
            )
        yield {"buildings": buildings, "containments": containments, "owner": owner}


def _independent(sql_text, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        return cursor.fetchall()


def test_buffer_all_waterbodies_matches_dwithin(tenant_a, client_a, city):
    login(client_a, tenant_a, "fsm_manager")
    response = client_a.post(
        "/staff/map/api/select/",
        {"layer": "containments", "buffer_m": "30", "source": "waterbodies", "limit": "200"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT c.id FROM fsm_containment c WHERE EXISTS (SELECT 1 FROM registry_waterbody w"
            " WHERE ST_DWithin(c.location::geography, w.area::geography, 30)) ORDER BY c.id"
        )
    ids = [row["id"] for row in data["rows"]]
    assert ids == [row[0] for row in expected]
    assert data["count"] == len(expected) == 3  # 0, ~10 and ~20 m; ~30.7 m is out
    assert len(data["highlight"]["features"]) == 3
    assert data["outline"]["type"] in ("Polygon", "MultiPolygon")


def test_buffer_point_and_drawn_line(tenant_a, client_a, city):
    login(client_a, tenant_a, "gis_officer")
    x, y = ORIGIN[0] + 0.0015, ORIGIN[1] + 0.0015
    response = client_a.post(
        "/staff/map/api/select/", {"layer": "buildings", "buffer_m": "120", "point": f"{x},{y}"}
    )
    assert response.status_code == 200, response.content
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT count(*) FROM registry_building b WHERE b.status <> 'demolished' AND"
            " ST_DWithin(b.footprint::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography,"
            " 120)",
            [x, y],
        )[0][0]
    assert response.json()["count"] == expected > 0
    line = {"type": "LineString", "coordinates": [[x, y], [x + 0.01, y]]}
    response = client_a.post(
        "/staff/map/api/select/",
        {"layer": "buildings", "buffer_m": "50", "geometry": json.dumps(line)},
    )
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT count(*) FROM registry_building b WHERE b.status <> 'demolished' AND"
            " ST_DWithin(b.footprint::geography, ST_GeomFromGeoJSON(%s)::geography, 50)",
            [json.dumps(line)],
        )[0][0]
    assert response.json()["count"] == expected > 0


def test_summary_by_ward_and_in_polygon(tenant_a, client_a, city):
    login(client_a, tenant_a, "viewer")
    response = client_a.post("/staff/map/api/summary/", {"layer": "buildings", "group": "ward"})
    assert response.status_code == 200, response.content
    data = response.json()
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT w.number, count(*), sum(b.population), sum(b.households)"
            " FROM registry_building b JOIN registry_ward w ON w.id = b.ward_id"
            " WHERE b.status <> 'demolished' GROUP BY w.number ORDER BY w.number"
        )
    got = [(r["ward"], r["count"], r["population"], r["households"]) for r in data["rows"]]
    assert got == [tuple(row) for row in expected]
    assert data["total"]["population"] == sum(row[2] for row in expected)
    response = client_a.post(
        "/staff/map/api/summary/", {"layer": "buildings", "group": "ward", "by": "use"}
    )
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT w.number, b.use, count(*), sum(b.population)"
            " FROM registry_building b JOIN registry_ward w ON w.id = b.ward_id"
            " WHERE b.status <> 'demolished' GROUP BY 1, 2 ORDER BY 1, 2"
        )
    got = [(r["ward"], r["category"], r["count"], r["population"]) for r in response.json()["rows"]]
    assert got == [tuple(row) for row in expected] and len(got) == 4
    # Holdings: a holding on two buildings (wards 1 and 2), a building with
    # two holdings; counted by ward and inside a drawn polygon.
    with schema_context(tenant_a.schema_name):
        b = city["buildings"]
        holding_make(code="01-001-0002-01", buildings=[b[1], b[9]])
        holding_make(code="01-001-0003-01", buildings=[b[1]])
        expected = _independent(
            "SELECT w.number, count(*), sum(b.population),"
            " sum((SELECT count(*) FROM registry_buildingholding bh WHERE bh.building_id = b.id))"
            " FROM registry_building b JOIN registry_ward w ON w.id = b.ward_id"
            " WHERE b.status <> 'demolished' GROUP BY w.number ORDER BY w.number"
        )
    response = client_a.post("/staff/map/api/summary/", {"layer": "buildings", "group": "ward"})
    data = response.json()
    assert "holding_count" in [c["name"] for c in data["columns"]]
    got = [(r["ward"], r["count"], r["population"], r["holding_count"]) for r in data["rows"]]
    assert got == [tuple(row) for row in expected]
    assert [row[3] for row in expected] == [3, 1] and data["total"]["holding_count"] == 4
    by_use = client_a.post(
        "/staff/map/api/summary/", {"layer": "buildings", "group": "ward", "by": "use"}
    ).json()
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT w.number, b.use, count(*), count(bh.building_id)"
            " FROM registry_building b JOIN registry_ward w ON w.id = b.ward_id"
            " LEFT JOIN registry_buildingholding bh ON bh.building_id = b.id"
            " WHERE b.status <> 'demolished' GROUP BY 1, 2 ORDER BY 1, 2"
        )
    got = [(r["ward"], r["category"], r["holding_count"]) for r in by_use["rows"]]
    assert got == [(row[0], row[1], row[3]) for row in expected]
    drawn = _square(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 0.0025, ORIGIN[1] + 0.0025)
    inside = client_a.post(
        "/staff/map/api/summary/",
        {"layer": "buildings", "group": "area", "within": drawn.geojson},
    ).json()
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT count(DISTINCT b.id), count(bh.building_id) FROM registry_building b"
            " LEFT JOIN registry_buildingholding bh ON bh.building_id = b.id"
            " WHERE b.status <> 'demolished'"
            " AND ST_Intersects(b.footprint, ST_GeomFromGeoJSON(%s))",
            [drawn.geojson],
        )[0]
    assert inside["total"]["count"] == expected[0] > 0
    assert inside["total"]["holding_count"] == expected[1]
    # Containments by type inside a drawn polygon (no ward column: a spatial join).
    area = _square(POND[2] - 0.0001, POND[1], POND[2] + 0.00055, POND[3])
    response = client_a.post(
        "/staff/map/api/summary/",
        {"layer": "containments", "group": "area", "within": area.geojson, "by": "type"},
    )
    assert response.status_code == 200, response.content
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT count(*), sum(population_served) FROM fsm_containment c"
            " WHERE ST_Intersects(c.location, ST_GeomFromGeoJSON(%s))",
            [area.geojson],
        )[0]
    rows = response.json()["rows"]
    assert len(rows) == 1 and rows[0]["category"]
    assert rows[0]["count"] == expected[0] == 6
    # Containments by ward: the ward under each point (the layer has no ward column).
    response = client_a.post("/staff/map/api/summary/", {"layer": "containments", "group": "ward"})
    with schema_context(tenant_a.schema_name):
        expected = _independent(
            "SELECT w.number, count(*), sum(c.population_served) FROM fsm_containment c"
            " JOIN registry_ward w ON ST_Intersects(w.boundary, c.location)"
            " GROUP BY w.number ORDER BY w.number"
        )
    got = [(r["ward"], r["count"], r["population_served"]) for r in response.json()["rows"]]
    assert got == [tuple(row) for row in expected] and expected


def test_find_and_info_per_role(tenant_a, client_a, city):
    building = city["buildings"][0]
    login(client_a, tenant_a, "viewer")
    found = client_a.get("/staff/map/api/find/", {"q": building.bin}).json()["results"]
    assert found[0]["label"] == building.bin and found[0]["layer"] == "buildings"
    # A viewer never finds or reads owners' names.
    assert client_a.get("/staff/map/api/find/", {"q": "Rahima"}).json()["results"] == []
    info = client_a.get(f"/staff/map/api/info/buildings/{building.pk}/").json()
    names = {f["name"] for f in info["fields"]}
    assert "owner_names" not in names and "bin" in names
    assert info["url"] == f"/staff/registry/buildings/{building.bin}/"
    assert "Rahima" not in json.dumps(info)
    login(client_a, tenant_a, "revenue_chief")
    found = client_a.get("/staff/map/api/find/", {"q": "Rahima"}).json()["results"]
    assert [r["id"] for r in found] == [building.pk]
    info = client_a.get(f"/staff/map/api/info/buildings/{building.pk}/").json()
    assert "Rahima Khatun" in json.dumps(info)
    # Holding code typed with Bangla digits and spaces finds the building.
    login(client_a, tenant_a, "gis_officer")
    found = client_a.get("/staff/map/api/find/", {"q": "০১-০০১-০০০১"}).json()["results"]
    assert building.pk in [r["id"] for r in found]


def test_service_provider_cannot_export(tenant_a, client_a, city):
    login(client_a, tenant_a, "service_provider")
    response = client_a.post(
        "/staff/map/api/export/csv/", {"layer": "containments", "source": "waterbodies"}
    )
    assert response.status_code == 403


def test_other_municipality_sees_nothing(tenant_a, tenant_b, client_b, city):
    building = city["buildings"][0]
    login(client_b, tenant_b, "municipal_admin")
    assert client_b.get(f"/staff/map/api/info/buildings/{building.pk}/").status_code == 404
    assert client_b.get("/staff/map/api/find/", {"q": building.bin}).json()["results"] == []
    response = client_b.post(
        "/staff/map/api/select/",
        {"layer": "containments", "buffer_m": "30", "source": "waterbodies"},
    )
    assert response.json()["count"] == 0


def test_bad_requests_are_refused(tenant_a, client_a, city):
    login(client_a, tenant_a, "viewer")
    assert client_a.post("/staff/map/api/select/", {"layer": "nope"}).status_code == 404
    response = client_a.post(
        "/staff/map/api/select/", {"layer": "buildings", "buffer_m": "-4", "point": "1,2"}
    )
    assert response.status_code == 400
    response = client_a.post("/staff/map/api/select/", {"layer": "buildings", "f_owner_names": "x"})
    assert response.status_code == 400  # a viewer may not filter on owners
    for shape in (
        "{not json",
        '{"type": "Polygon", "coordinates": [["a"]]}',
        '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}',
        '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 300], [0, 0]]]}',
        '{"type": "Point", "coordinates": [89.5, 22.8]}',
    ):
        response = client_a.post("/staff/map/api/select/", {"layer": "buildings", "within": shape})
        assert response.status_code == 400, shape
    line = '{"type": "LineString", "coordinates": [[89.5, 22.8], [true, 22.9]]}'
    response = client_a.post(
        "/staff/map/api/select/", {"layer": "buildings", "buffer_m": "10", "geometry": line}
    )
    assert response.status_code == 400


HOLDING_SQL = (
    "EXISTS (SELECT 1 FROM registry_buildingholding bh JOIN registry_holding h"
    " ON h.id = bh.holding_id WHERE bh.building_id = t.id AND h.code = %(q)s)"
)


def test_find_uses_the_domains_normaliser(tenant_a, client_a, city, monkeypatch):
    from backoffice.registry.codes import holding_code_normalise
    from maps.tools import lookup

    monkeypatch.setattr(lookup, "_SEARCH", {})
    lookup.search_field_register(
        "buildings",
        "holding_codes",
        normalise=holding_code_normalise,
        match="exact",
        sql=HOLDING_SQL,
    )
    login(client_a, tenant_a, "viewer")
    found = client_a.get("/staff/map/api/find/", {"q": "০১ ০০১ ০০০১ ০১"}).json()["results"]
    assert [(r["field"], r["id"]) for r in found] == [("holding_codes", city["buildings"][0].pk)]
    # Not a holding code: the field is skipped, the others still searched.
    found = client_a.get("/staff/map/api/find/", {"q": city["buildings"][1].bin}).json()["results"]
    assert [r["field"] for r in found] == ["bin"]


def test_tool_endpoints_use_a_fixed_number_of_queries(
    tenant_a, client_a, city, django_assert_max_num_queries
):
    login(client_a, tenant_a, "fsm_manager")
    data = {"layer": "containments", "buffer_m": "30", "source": "waterbodies"}
    client_a.post("/staff/map/api/select/", data)  # warm: session, roles
    # Tenant (search path, domain, search path), session, user, roles; then
    # the one statement (sent with its SET LOCAL jit = off in one round trip).
    with django_assert_max_num_queries(7):
        client_a.post("/staff/map/api/select/", {**data, "limit": "200"})
    with django_assert_max_num_queries(7):
        client_a.post("/staff/map/api/summary/", {"layer": "buildings", "group": "ward"})
    with django_assert_max_num_queries(7):
        client_a.get("/staff/map/api/find/", {"q": city["buildings"][3].bin})


def test_old_export_files_are_swept(tenant_a):
    import os
    import time

    from maps.exports import services

    with schema_context(tenant_a.schema_name):
        folder = services.export_dir()
        folder.mkdir(parents=True, exist_ok=True)
        old, new = folder / "old.csv", folder / "new.csv"
        old.write_text("x")
        new.write_text("y")
        stale = time.time() - services.JOB_SECONDS - 60
        os.utime(old, (stale, stale))
        assert services.export_files_sweep() == 1
        assert not old.exists() and new.exists()
        new.unlink()


def test_filter_and_summarise_containments_by_emptying_status(tenant_a, client_a, city):
    import datetime

    from tenants.clock import municipality_today

    with schema_context(tenant_a.schema_name):
        today = municipality_today(tenant_a)
        for i, containment in enumerate(city["containments"]):
            # 0: no date; then overdue, due within 30 days, later, in turn.
            due = None if i == 0 else today + datetime.timedelta(days=(-5, 10, 90)[i % 3])
            Containment.objects.filter(pk=containment.pk).update(next_due_on=due)
        expected = dict(
            _independent(
                "SELECT CASE WHEN next_due_on IS NULL THEN 'unknown'"
                " WHEN next_due_on < %(d)s THEN 'overdue' WHEN next_due_on <= %(d)s + 30"
                " THEN 'due_30' ELSE 'later' END, count(*) FROM fsm_containment GROUP BY 1",
                {"d": today},
            )
        )
    assert expected == {"unknown": 1, "overdue": 3, "due_30": 4, "later": 4}
    login(client_a, tenant_a, "fsm_manager")
    selected = client_a.post(
        "/staff/map/api/select/", {"layer": "containments", "f_emptying_status": "overdue"}
    ).json()
    assert selected["count"] == 3
    assert {row["values"]["emptying_status"] for row in selected["rows"]} == {"overdue"}
    summary = client_a.post(
        "/staff/map/api/summary/",
        {"layer": "containments", "group": "area", "by": "emptying_status"},
    ).json()
    assert {r["category"]: r["count"] for r in summary["rows"]} == expected
    labels = {r["category"]: r["category_label"] for r in summary["rows"]}
    assert labels["overdue"] == "Emptying overdue"


def test_link_counts_when_grouping_on_an_expression(tenant_a, city):
    """A category that is not plain columns (here the holding codes) is
    grouped on directly; the holdings are still counted once per link."""
    from maps import registry
    from maps.tools import results
    from maps.tools.selection import Selection, execute_without_jit

    layer = registry.layer_get("buildings")
    with schema_context(tenant_a.schema_name):
        b = city["buildings"]
        holding_make(code="01-001-0004-01", buildings=[b[2], b[3]])
        holding_make(code="01-001-0005-01", buildings=[b[3]])
        spec = results.SummarySpec(
            by_ward=False,
            category=layer.attribute("holding_codes"),
            sums=(layer.attribute("population"), layer.attribute("holding_count")),
        )
        statement, params = results.summary_statement(Selection(layer), spec, ward=None)
        with connection.cursor() as cursor:
            execute_without_jit(cursor, statement, params)
            got = [(cat, n, int(pop), int(h)) for _grp, cat, n, pop, h in cursor.fetchall()]
        expected = _independent(
            "SELECT codes, count(*), sum(population), sum(n) FROM (SELECT b.population,"
            " (SELECT string_agg(h.code, ', ' ORDER BY h.code) FROM registry_buildingholding bh"
            " JOIN registry_holding h ON h.id = bh.holding_id WHERE bh.building_id = b.id) codes,"
            " (SELECT count(*) FROM registry_buildingholding bh WHERE bh.building_id = b.id) n"
            " FROM registry_building b WHERE b.status <> 'demolished') x"
            " GROUP BY 1 ORDER BY 1 NULLS LAST"
        )
    assert got == [tuple(row) for row in expected]
    assert ("01-001-0004-01, 01-001-0005-01", 1, b[3].population, 2) in got


def test_find_by_a_part_of_an_address(tenant_a, client_a, city):
    building = city["buildings"][6]
    with schema_context(tenant_a.schema_name):
        holding_make(
            code="01-001-0009-01", buildings=[building], address="12 Shibbari Road, Sonadanga"
        )
    login(client_a, tenant_a, "viewer")
    found = client_a.get("/staff/map/api/find/", {"q": "shibbari"}).json()["results"]
    assert [(r["field"], r["id"]) for r in found] == [("addresses", building.pk)]
    assert found[0]["value"] == "12 Shibbari Road, Sonadanga"
    # A code or a BIN is not looked for in addresses.
    from backoffice.registry.map_search import address_text

    for text in ("01-001", "12", building.bin[:-1]):
        with pytest.raises(ValueError):
            address_text(text)


def test_find_containments_by_the_bin_they_serve(tenant_a, client_a, city):
    from backoffice.fsm.models import ContainmentBuilding

    building, containment = city["buildings"][5], city["containments"][7]
    with schema_context(tenant_a.schema_name):
        ContainmentBuilding.objects.create(
            containment=containment, building=building, responsible=True
        )
    login(client_a, tenant_a, "fsm_manager")
    found = client_a.get("/staff/map/api/find/", {"q": building.bin}).json()["results"]
    assert ("containments", "building", containment.pk) in [
        (r["layer"], r["field"], r["id"]) for r in found
    ]
    login(client_a, tenant_a, "revenue_collector")  # does not see containments
    found = client_a.get("/staff/map/api/find/", {"q": building.bin}).json()["results"]
    assert {r["layer"] for r in found} == {"buildings"}

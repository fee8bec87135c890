"""Staff pages for buildings: list and filters, keyset paging, query counts,
detail with its map, history, create and edit through the form path."""

import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backoffice.registry.models import Building, ChangeRecord
from backoffice.registry.views import paging
from tests.backoffice.registry.factories import (
    building_make,
    footprint_in_ward,
    holding_make,
    registry_sample,
)
from tests.conftest import login, staff_user

LIST = "/staff/registry/buildings/"
PAGE_QUERIES = 11


@pytest.fixture
def sample(tenant_a):
    with schema_context(tenant_a.schema_name):
        return registry_sample(staff_user(tenant_a, "gis_officer"))


@pytest.fixture
def gis(client_a, tenant_a):
    return login(client_a, tenant_a, "gis_officer")


def bins_listed(response) -> list[str]:
    table = response.content.decode().split('id="buildings"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"/staff/registry/buildings/([^/]+)/", table)


def bangla(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    return client


# --- list ------------------------------------------------------------------


def test_list_shows_every_building_in_bin_order(gis, sample):
    response = gis.get(LIST)
    assert response.status_code == 200
    expected = sorted(sample[k].bin for k in ("plain", "shop", "slum"))
    assert bins_listed(response) == expected
    assert "01-001-0001-00" in response.content.decode()  # its holding is linked


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ({"ward": "2"}, {"shop"}),
        ({"use": "commercial"}, {"shop"}),
        ({"structure_type": "kutcha"}, {"slum"}),
        ({"has_holding": "yes"}, {"plain", "shop"}),
        ({"has_holding": "no"}, {"slum"}),
        ({"low_income": "yes"}, {"slum"}),
        ({"low_income": "no", "ward": "1"}, {"plain"}),
        ({"q": "01-001"}, {"plain"}),
        ({"use": "no-such-use"}, {"plain", "shop", "slum"}),  # a bad value is ignored
    ],
)
def test_list_filters(gis, sample, query, keys):
    response = gis.get(LIST, query)
    assert response.status_code == 200
    assert set(bins_listed(response)) == {sample[k].bin for k in keys}


def test_search_by_bin_typed_with_bangla_digits(gis, sample):
    bin_ = sample["shop"].bin
    typed = bin_.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")).lower()
    assert bins_listed(gis.get(LIST, {"q": typed})) == [bin_]


def test_keyset_paging_walks_forward_and_back(gis, sample, tenant_a, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    with schema_context(tenant_a.schema_name):
        for index in range(2, 5):
            building_make(ward=3, index=index)
        every = list(Building.objects.order_by("bin").values_list("bin", flat=True))
    assert len(every) == 6

    first = gis.get(LIST)
    assert bins_listed(first) == every[:2]
    body = first.content.decode()
    assert 'rel="prev"' not in body
    next_href = re.search(r'rel="next" href="([^"]+)"', body).group(1)
    assert "OFFSET" not in next_href and f"after={every[1]}" in next_href.replace("&amp;", "&")

    second = gis.get(LIST + next_href.replace("&amp;", "&"))
    assert bins_listed(second) == every[2:4]
    third_href = re.search(r'rel="next" href="([^"]+)"', second.content.decode()).group(1)
    third = gis.get(LIST + third_href.replace("&amp;", "&"))
    assert bins_listed(third) == every[4:6]
    assert 'rel="next"' not in third.content.decode()

    back_href = re.search(r'rel="prev" href="([^"]+)"', third.content.decode()).group(1)
    back = gis.get(LIST + back_href.replace("&amp;", "&"))
    assert bins_listed(back) == every[2:4]


def test_paging_keeps_the_filters(gis, sample, tenant_a, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 1)
    with schema_context(tenant_a.schema_name):
        building_make(ward=2, index=5)
    first = gis.get(LIST, {"ward": "2"})
    href = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1)
    assert "ward=2" in href
    second = gis.get(LIST + href.replace("&amp;", "&"))
    assert len(bins_listed(second)) == 1
    assert bins_listed(second) != bins_listed(first)


def _queries(client, path, data=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, data or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "query", [{}, {"ward": "1", "has_holding": "yes"}, {"q": "01-0"}, {"low_income": "no"}]
)
def test_list_query_count_does_not_grow_with_rows(
    gis, sample, tenant_a, query, django_assert_max_num_queries
):
    gis.get(LIST)  # warm: session, user, roles
    few = _queries(gis, LIST, query)
    with schema_context(tenant_a.schema_name):
        for index in range(10, 30):
            b = building_make(ward=1, index=index)
            holding_make(code=f"01-002-{index:04d}-00", buildings=[b])
    assert _queries(gis, LIST, query) == few
    # routing 2 (cached per process outside tests), session, user, roles, site,
    # branding; the page itself: wards, one page of rows, their holdings.
    with django_assert_max_num_queries(PAGE_QUERIES):
        gis.get(LIST, query)


def test_export_links_only_for_exporters(client_a, tenant_a, sample):
    for role, shown in [
        ("gis_officer", True),
        ("revenue_collector", True),
        ("viewer", False),
        ("service_provider", False),
    ]:
        body = login(client_a, tenant_a, role).get(LIST, {"ward": "1"}).content.decode()
        assert ("/staff/registry/exports/buildings.xlsx?ward=1" in body) is shown, role
        assert ("/staff/registry/exports/buildings.gpkg?ward=1" in body) is shown, role
        assert ("Add a building" in body) is (role == "gis_officer"), role


# --- detail and history ----------------------------------------------------------


def test_detail_has_a_map_holdings_owners_and_history(gis, sample):
    building = sample["plain"]
    response = gis.get(f"{LIST}{building.bin}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<svg class="minimap"' in body and 'class="focus" d="M' in body
    assert sample["slum"].bin in body  # the neighbour is drawn and linked
    assert "01-001-0001-00" in body and "Rahima Begum" not in body  # owners: revenue only
    assert 'id="history"' in body and "Created" in body
    area = float(re.search(r'id="area">([\d.,]+)', body).group(1).replace(",", ""))
    assert 100 < area < 140  # 0.0001 degree square near Khulna: about 10.3 m x 11.1 m


def test_detail_query_count_is_bounded(gis, sample, django_assert_max_num_queries):
    path = f"{LIST}{sample['plain'].bin}/"
    gis.get(path)
    # the list's 6 of set-up; building, holdings, owners, history, wards named
    # in the history, neighbours
    with django_assert_max_num_queries(PAGE_QUERIES + 3):
        gis.get(path)


def not_found(client, path) -> bool:
    """404, possibly after LocaleMiddleware's hop to the /en/ path (Wagtail's
    catch-all route makes every prefixed path 'valid')."""
    response = client.get(path, follow=True)
    return response.status_code == 404


def test_unknown_bin_is_404(gis, sample):
    assert not_found(gis, f"{LIST}KHU-9999999/")
    assert not_found(gis, f"{LIST}KHU-9999999/edit/")


def test_history_page_names_fields_and_areas(gis, sample, tenant_a):
    building = sample["plain"]
    with schema_context(tenant_a.schema_name):
        from backoffice.registry import services

        services.building_update(
            actor=staff_user(tenant_a, "gis_officer"), building=building, floors=5, use="mixed"
        )
    body = gis.get(f"{LIST}{building.bin}/history/").content.decode()
    assert "Floors" in body and "Mixed" in body and "gis_officer" in body
    assert "m²" in body  # the footprint shown as an area, never as WKT
    assert "MULTIPOLYGON" not in body


# --- create and edit -----------------------------------------------------------


def _form_data(footprint, **extra) -> dict:
    data = {
        "footprint": footprint,
        "house_number": "12/A",
        "road_code": "",
        "floors": "3",
        "structure_type": "pucca",
        "use": "residential",
        "households": "2",
        "population": "8",
        "construction_year": "",
        "water_source": "",
        "sanitation_system": "septic_tank",
        "status": "active",
    }
    data.update(extra)
    return data


def test_create_through_the_form(gis, sample, tenant_a):
    footprint = footprint_in_ward(2, index=7).wkt
    page = gis.get(f"{LIST}new/?near={sample['shop'].bin}")
    assert page.status_code == 200 and "data-footprint-editor" in page.content.decode()
    response = gis.post(f"{LIST}new/", _form_data(footprint, floors="৪"))
    assert response.status_code == 302
    bin_ = response["Location"].rstrip("/").rsplit("/", 1)[1]
    with schema_context(tenant_a.schema_name):
        building = Building.objects.get(bin=bin_)
        assert building.ward.number == 2 and building.floors == 4
        record = ChangeRecord.objects.get(model="building", object_id=building.pk)
        assert record.action == "create" and record.actor_username == "gis_officer"
    assert f"Building {bin_} added." in gis.get(response["Location"]).content.decode()


def test_create_accepts_the_editors_geojson(gis, sample, tenant_a):
    polygon = footprint_in_ward(4, index=3)
    geojson = json.dumps({"type": "MultiPolygon", "coordinates": [[list(polygon[0].coords)]]})
    response = gis.post(f"{LIST}new/", _form_data(geojson))
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert Building.objects.filter(ward__number=4).count() == 1


OUTSIDE = "POLYGON((90.5 23.5, 90.5001 23.5, 90.5001 23.5001, 90.5 23.5001, 90.5 23.5))"


def test_a_footprint_outside_every_ward_is_refused_in_english(gis, sample, tenant_a):
    response = gis.post(f"{LIST}new/", _form_data(OUTSIDE))
    assert response.status_code == 200
    assert "The footprint is outside every ward of this municipality." in (
        response.content.decode()
    )
    with schema_context(tenant_a.schema_name):
        assert Building.objects.count() == 3


def test_validation_errors_are_translated_to_bangla(gis, sample):
    bangla(gis)
    outside = gis.post(f"{LIST}new/", _form_data(OUTSIDE)).content.decode()
    assert 'lang="bn"' in outside
    assert "ফুটপ্রিন্টটি এই পৌর প্রতিষ্ঠানের কোনো ওয়ার্ডের মধ্যে পড়েনি।" in outside
    garbage = gis.post(f"{LIST}new/", _form_data("not a shape", floors="0")).content.decode()
    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', garbage, re.S))
    assert errors and re.search(r"[\u0980-\u09ff]", errors)
    assert "GeoJSON" in errors  # the format names stay as they are
    assert "Draw the footprint" not in errors


def test_projected_coordinates_are_refused(gis, sample):
    body = gis.post(
        f"{LIST}new/",
        _form_data("POLYGON((500000 2500000, 500010 2500000, 500010 2500010, 500000 2500000))"),
    ).content.decode()
    assert "look projected" in body


def test_edit_moves_the_footprint_and_records_it(gis, sample, tenant_a):
    building = sample["plain"]
    ring = list(building.footprint[0][0].coords)
    ring[2] = (ring[2][0] + 0.00005, ring[2][1] + 0.00005)  # drag one corner out
    geojson = json.dumps({"type": "Polygon", "coordinates": [ring]})
    form = gis.get(f"{LIST}{building.bin}/edit/")
    assert form.status_code == 200 and 'name="footprint"' in form.content.decode()
    response = gis.post(f"{LIST}{building.bin}/edit/", _form_data(geojson, floors="2"))
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        building.refresh_from_db()
        assert building.footprint[0][0].coords[2] == pytest.approx(ring[2])
        record = ChangeRecord.objects.filter(model="building", object_id=building.pk).first()
        assert record.action == "update" and set(record.changes) >= {"footprint"}
    detail = gis.get(response["Location"]).content.decode()
    assert "Changed" in detail


def test_saving_an_unchanged_form_records_nothing(gis, sample, tenant_a):
    building = sample["plain"]
    form = gis.get(f"{LIST}{building.bin}/edit/").content.decode()
    geojson = re.search(r'name="footprint"[^>]*>\s*(.*?)</textarea>', form, re.S).group(1)
    geojson = geojson.replace("&quot;", '"')
    with schema_context(tenant_a.schema_name):
        before = ChangeRecord.objects.count()
    response = gis.post(
        f"{LIST}{building.bin}/edit/",
        _form_data(geojson, floors="2", population="9", house_number="", sanitation_system=""),
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert ChangeRecord.objects.count() == before


def test_edit_refuses_a_move_out_of_the_municipality(gis, sample, tenant_a):
    building = sample["plain"]
    response = gis.post(f"{LIST}{building.bin}/edit/", _form_data(OUTSIDE))
    assert response.status_code == 200
    assert "outside every ward" in response.content.decode()
    with schema_context(tenant_a.schema_name):
        building.refresh_from_db()
        assert building.ward.number == 1


def test_unknown_road_code_is_a_field_error(gis, sample):
    body = gis.post(
        f"{LIST}new/", _form_data(footprint_in_ward(1, index=9).wkt, road_code="R-404")
    ).content.decode()
    assert "No road has the code “R-404”." in body


def test_registry_home_links_imports_for_importers_only(tenant_a, client_a):
    from tests.conftest import login

    login(client_a, tenant_a, "gis_officer")
    assert "/staff/registry/imports/" in client_a.get("/staff/registry/").content.decode()
    login(client_a, tenant_a, "viewer")
    assert "/staff/registry/imports/" not in client_a.get("/staff/registry/").content.decode()


def test_annual_values_use_lakh_grouping(tenant_a, client_a):
    from decimal import Decimal

    from django_tenants.utils import schema_context

    from tests.backoffice.registry.factories import holding_make, wards_make
    from tests.conftest import login

    with schema_context(tenant_a.schema_name):
        wards_make()
        holding_make(code="01-001-0009-00", annual_value=Decimal("1234567"))
    login(client_a, tenant_a, "revenue_collector")
    page = client_a.get("/staff/registry/holdings/01-001-0009-00/").content.decode()
    assert "12,34,567.00" in page

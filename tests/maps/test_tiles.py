"""Vector tiles: contents per role, zoom range, 404 for a layer the role may
not see, headers, two municipalities."""

import pytest
from django_tenants.utils import schema_context

from tests.backoffice.registry.factories import ORIGIN, registry_sample
from tests.conftest import login, staff_user
from tests.maps.helpers import cache_clear, decode, tile_of, tile_url

Z16 = tile_of(ORIGIN[0] + 0.0015, ORIGIN[1] + 0.0015, 16)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        return registry_sample(staff_user(tenant_a, "gis_officer"))


def _get(client, layer, tile):
    return client.get(tile_url(layer, *tile))


def test_buildings_tile_has_features_and_attributes(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    response = _get(client_a, "buildings", Z16)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "private" in response["Cache-Control"]
    assert response["ETag"]
    features = decode(response.content, "buildings")
    bins = {f["bin"] for f in features}
    assert sample_a["plain"].bin in bins and sample_a["slum"].bin in bins
    plain = next(f for f in features if f["bin"] == sample_a["plain"].bin)
    assert plain["id"] == sample_a["plain"].pk
    assert plain["use"] == "residential" and plain["floors"] == 2 and plain["ward"] == 1
    assert plain["population"] == 9
    assert "owner_names" not in plain  # viewers never get owners' data


def test_owner_names_only_for_owner_readers_and_only_close_up(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "revenue_chief")
    z17 = tile_of(ORIGIN[0] + 0.00105, ORIGIN[1] + 0.00105, 17)
    features = decode(_get(client_a, "buildings", z17).content, "buildings")
    plain = next(f for f in features if f["bin"] == sample_a["plain"].bin)
    assert plain["owner_names"] == "Rahima Begum"
    at16 = decode(_get(client_a, "buildings", Z16).content, "buildings")
    assert all("owner_names" not in f for f in at16)
    login(client_a, tenant_a, "service_provider")
    provider = decode(_get(client_a, "buildings", z17).content, "buildings")
    assert provider and all("owner_names" not in f for f in provider)


def test_outside_zoom_range_is_empty(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    response = _get(client_a, "buildings", tile_of(ORIGIN[0], ORIGIN[1], 10))
    assert response.status_code == 204 and response.content == b""


def test_empty_tile_is_204(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    assert _get(client_a, "buildings", tile_of(0.0, 0.0, 16)).status_code == 204


def test_layer_the_role_may_not_see_is_404(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "communications_officer")
    assert _get(client_a, "buildings", Z16).status_code == 404
    login(client_a, tenant_a, "revenue_collector")
    assert _get(client_a, "containments", Z16).status_code == 404
    assert _get(client_a, "nonsense", Z16).status_code == 404


def test_invalid_tile_numbers_are_404(client_a, tenant_a):
    login(client_a, tenant_a, "viewer")
    assert client_a.get("/tiles/buildings/3/8/1.mvt").status_code == 404


def test_anonymous_is_sent_to_sign_in(client_a, tenant_a):
    response = _get(client_a, "buildings", Z16)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_not_modified_with_etag(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    first = _get(client_a, "buildings", Z16)
    again = client_a.get(tile_url("buildings", *Z16), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_other_municipality_sees_its_own_rows(client_a, client_b, tenant_a, tenant_b, sample_a):
    login(client_b, tenant_b, "viewer")
    # Same tile, jashore has no buildings there: nothing of khulna's leaks.
    assert _get(client_b, "buildings", Z16).status_code == 204
    login(client_a, tenant_a, "viewer")
    assert _get(client_a, "buildings", Z16).status_code == 200
    # Cached khulna tile is not served to jashore either.
    assert _get(client_b, "buildings", Z16).status_code == 204


def test_signing_out_ends_tile_access_at_once(client_a, tenant_a, sample_a):
    from django.conf import settings

    login(client_a, tenant_a, "viewer")
    assert _get(client_a, "buildings", Z16).status_code == 200  # roles now cached
    old_cookie = client_a.cookies[settings.SESSION_COOKIE_NAME].value
    client_a.post("/staff/logout/")
    assert _get(client_a, "buildings", Z16).status_code == 302
    client_a.cookies[settings.SESSION_COOKIE_NAME] = old_cookie  # a copied cookie
    assert _get(client_a, "buildings", Z16).status_code == 302


def test_a_forged_session_cookie_is_sent_to_sign_in(client_a, tenant_a, sample_a):
    from django.conf import settings

    client_a.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert _get(client_a, "buildings", Z16).status_code == 302


def test_the_boundary_layer_is_the_union_of_the_wards_and_follows_them(tenant_a, client_a):
    """The municipal boundary is a view over the wards: importing or editing
    wards is all it takes, and its tiles are retired with theirs."""
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django_tenants.utils import schema_context

    from backoffice.registry.models import Boundary, Ward
    from maps.cache import layer_version

    with schema_context(tenant_a.schema_name):
        Ward.objects.create(
            number=61, name_en="East", name_bn="পূর্ব",
            boundary=MultiPolygon(Polygon.from_bbox((89.50, 22.80, 89.51, 22.81))),
        )  # fmt: skip
        before = layer_version("boundaries")
        Ward.objects.create(
            number=62, name_en="West", name_bn="পশ্চিম",
            boundary=MultiPolygon(Polygon.from_bbox((89.51, 22.80, 89.52, 22.81))),
        )  # fmt: skip
        assert layer_version("boundaries") > before
        boundary = Boundary.objects.get()
        assert boundary.ward_count == Ward.objects.count()
        outline = Ward.objects.filter(number__in=(61, 62))
        for ward in outline:
            assert boundary.outline.contains(ward.boundary.point_on_surface)


def test_low_zoom_tiles_leave_small_buildings_out(client_a, tenant_a):
    """Below full detail (z16) small footprints are left out (z13: under
    400 m²), through the ST_Area(footprint) index's expression."""
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection

    from backoffice.registry import services
    from tests.backoffice.registry.factories import building_make, wards_make

    with schema_context(tenant_a.schema_name):
        wards_make()
        small = building_make(ward=1, index=0)  # about 11 x 11 m
        x, y = ORIGIN[0] + 0.003, ORIGIN[1] + 0.003
        ring = ((x, y), (x + 0.0004, y), (x + 0.0004, y + 0.0004), (x, y + 0.0004), (x, y))
        large = services.building_create(  # about 41 x 44 m
            actor=None,
            footprint=MultiPolygon(Polygon(ring, srid=4326)),
            structure_type="pucca",
            use="commercial",
            floors=3,
            households=0,
            population=0,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'registry_building_area_idx'"
                " AND schemaname = current_schema()"
            )
            assert "st_area(footprint)" in cursor.fetchone()[0].lower()
    login(client_a, tenant_a, "viewer")

    def bins(building, z):
        point = building.footprint.point_on_surface
        tile = tile_of(point.x, point.y, z)
        return {f["bin"] for f in decode(_get(client_a, "buildings", tile).content, "buildings")}

    assert small.bin in bins(small, 16) and large.bin in bins(large, 16)
    assert small.bin not in bins(small, 13) and large.bin in bins(large, 13)

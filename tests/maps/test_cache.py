"""Tile cache: a second request is a hit (no SQL), an edit through the
registry services retires the layer's tiles, audiences never share tiles,
and the cache can be switched off."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backoffice.registry import services
from maps import cache as tile_cache
from tests.backoffice.registry.factories import ORIGIN, registry_sample
from tests.conftest import login, staff_user
from tests.maps.helpers import cache_clear, decode, tile_of, tile_url

Z17 = tile_of(ORIGIN[0] + 0.00105, ORIGIN[1] + 0.00105, 17)
URL = tile_url("buildings", *Z17)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        return registry_sample(staff_user(tenant_a, "gis_officer"))


def _tile_queries(client) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    return response, [q["sql"] for q in queries if "ST_AsMVT" in q["sql"]]


def test_second_request_is_served_from_the_cache(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    first, rendered = _tile_queries(client_a)
    assert first.status_code == 200 and len(rendered) == 1
    second, rendered = _tile_queries(client_a)
    assert rendered == []
    assert second.content == first.content and second["ETag"] == first["ETag"]


def test_edit_through_registry_services_retires_the_tile(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    before = decode(client_a.get(URL).content, "buildings")
    plain = next(f for f in before if f["bin"] == sample_a["plain"].bin)
    assert plain["floors"] == 2
    with schema_context(tenant_a.schema_name):
        services.building_update(
            actor=staff_user(tenant_a, "gis_officer"), building=sample_a["plain"], floors=5
        )
    response, rendered = _tile_queries(client_a)
    assert len(rendered) == 1  # a miss: the version moved
    after = decode(response.content, "buildings")
    assert next(f for f in after if f["bin"] == sample_a["plain"].bin)["floors"] == 5


def test_owner_change_retires_building_tiles(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "revenue_chief")
    assert "Rahima Begum" in str(decode(client_a.get(URL).content, "buildings"))
    with schema_context(tenant_a.schema_name):
        services.owner_update(
            actor=staff_user(tenant_a, "revenue_chief"), owner=sample_a["owner"], name_en="Rahim"
        )
    names = {f.get("owner_names") for f in decode(client_a.get(URL).content, "buildings")}
    assert "Rahim" in names and "Rahima Begum" not in names


def test_audiences_do_not_share_tiles(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "revenue_chief")
    chief = decode(client_a.get(URL).content, "buildings")
    assert any("owner_names" in f for f in chief)
    login(client_a, tenant_a, "viewer")
    viewer = decode(client_a.get(URL).content, "buildings")
    assert viewer and all("owner_names" not in f for f in viewer)


def test_version_is_per_municipality(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        a = tile_cache.layer_version("roads")
    with schema_context(tenant_b.schema_name):
        b = tile_cache.layer_version("roads")
        tile_cache.layer_changed("roads")
        assert tile_cache.layer_version("roads") == b + 1
    with schema_context(tenant_a.schema_name):
        assert tile_cache.layer_version("roads") == a


def test_cache_off_renders_every_time(client_a, tenant_a, sample_a, settings):
    settings.IMIS_TILE_CACHE_SECONDS = 0
    login(client_a, tenant_a, "viewer")
    assert len(_tile_queries(client_a)[1]) == 1
    assert len(_tile_queries(client_a)[1]) == 1


def test_a_cached_tile_costs_no_database_query(client_a, tenant_a, sample_a):
    login(client_a, tenant_a, "viewer")
    client_a.get(URL)  # fills the tile cache and the session's roles
    with CaptureQueriesContext(connection) as queries:
        assert client_a.get(URL).status_code == 200
    # Only the host lookup, which the test settings do not keep in memory.
    tables = [q["sql"] for q in queries if "tenants_domain" not in q["sql"]]
    assert [sql for sql in tables if not sql.startswith("SET search_path")] == []


def test_the_synthetic_generator_retires_every_layer(tenant_b):
    from backoffice.registry.synthetic import city_generate

    with schema_context(tenant_b.schema_name):
        before = {s: tile_cache.layer_version(s) for s in ("buildings", "containments", "wards")}
        city_generate(scale="tiny", seed=3, replace=True)
        after = {s: tile_cache.layer_version(s) for s in before}
    assert all(after[s] > before[s] for s in before)


def test_an_import_retires_its_layers(tenant_b):
    from backoffice.registry.layers import layers_changed_by_import

    with schema_context(tenant_b.schema_name):
        before = {s: tile_cache.layer_version(s) for s in ("wards", "buildings", "roads")}
        layers_changed_by_import("wards")
        after = {s: tile_cache.layer_version(s) for s in before}
    assert after["wards"] > before["wards"] and after["buildings"] > before["buildings"]
    assert after["roads"] == before["roads"]


def test_an_uncached_tile_is_one_round_trip(
    client_a, client_b, tenant_a, tenant_b, sample_a, settings
):
    """With the cache off a tile is one statement (its search path and JIT
    setting ride along), in whichever municipality the request is for."""
    settings.IMIS_TILE_CACHE_SECONDS = 0
    login(client_a, tenant_a, "viewer")
    login(client_b, tenant_b, "viewer")
    client_a.get(URL)  # warm: the host's municipality, the session's roles
    client_b.get(URL)
    for client, schema, status in (
        (client_a, "khulna", 200),
        (client_b, "jashore", 204),  # no buildings there
        (client_a, "khulna", 200),
    ):
        connection.set_schema_to_public()  # as a request starts
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == status
        # (Tests look the host up each time; the portal caches it.)
        statements = [q["sql"] for q in queries if "tenants_domain" not in q["sql"]]
        assert not any(s.startswith(f'SET search_path = "{schema}"') for s in statements)
        [tile] = [s for s in statements if "ST_AsMVT" in s]
        assert tile.startswith(f'SET LOCAL search_path = "{schema}", public; SET LOCAL jit = off;')

"""The water_meters map layer: points with category, size, metered and
status for its roles only, each municipality its own rows, and a changed
connection retires the cached tiles."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from backoffice.water import services
from backoffice.water.layers import READERS
from maps import cache as tile_cache
from tests.backoffice.registry.factories import ORIGIN
from tests.backoffice.water.factories import water_sample
from tests.conftest import login, staff_user
from tests.maps.helpers import decode, tile_of, tile_url

Z16 = tile_of(ORIGIN[0] + 0.0015, ORIGIN[1] + 0.0015, 16)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        return water_sample(staff_user(tenant_a, "water_officer"), wards=1, per_ward=2)


@pytest.mark.parametrize("role", ["water_officer", "municipal_admin", "gis_officer", "viewer"])
def test_readers_get_the_connections_with_their_attributes(client_a, tenant_a, sample_a, role):
    login(client_a, tenant_a, role)
    response = client_a.get(tile_url("water_meters", *Z16))
    assert response.status_code == 200
    features = {f["number"]: f for f in decode(response.content, "water_meters")}
    home = sample_a["connections"][0]
    assert home.number in features and sample_a["flat"].number in features
    assert features[home.number]["category"] == "domestic"
    assert features[home.number]["size_mm"] == 15 and features[home.number]["metered"] is True
    assert features[sample_a["flat"].number]["metered"] is False
    assert features[home.number]["status"] == "active"


@pytest.mark.parametrize("role", ["revenue_chief", "fsm_manager", "service_provider"])
def test_other_roles_do_not_see_the_layer(client_a, tenant_a, sample_a, role):
    login(client_a, tenant_a, role)
    assert client_a.get(tile_url("water_meters", *Z16)).status_code == 404


def test_the_other_municipality_sees_only_its_own(client_b, tenant_b, sample_a):
    login(client_b, tenant_b, "viewer")
    response = client_b.get(tile_url("water_meters", *Z16))
    assert response.status_code == 204 or not decode(response.content, "water_meters")


def test_a_changed_connection_retires_the_tiles(tenant_a, sample_a):
    with schema_context(tenant_a.schema_name):
        before = tile_cache.layer_version("water_meters")
        services.connection_update(
            actor=staff_user(tenant_a, "water_officer"),
            connection=sample_a["connections"][0],
            status="disconnected",
        )
        assert tile_cache.layer_version("water_meters") > before


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_water_layer_role_matrix(db, which, request):
    from tests.support.role_matrix import MatrixRow, assert_role_matrix
    from tests.support.tenancy import host_of

    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        water_sample(None, wards=1, per_ward=1)
    readers = set(READERS)
    tile = {"denied": 404, "anonymous": 302}
    api = {"denied": 404, "anonymous": 401}
    rows = [
        MatrixRow(tile_url("water_meters", *Z16), allowed=readers, **tile),
        MatrixRow("/ogc/collections/water_meters", allowed=readers, **api),
        MatrixRow("/ogc/collections/water_meters/items", allowed=readers, **api),
    ]
    assert_role_matrix(tenant, host_of(tenant.code), rows)


def test_the_layer_is_gone_when_water_is_off(tenant_a, sample_a, client_a):
    from tenants.models import Municipality

    modules = list(tenant_a.modules)
    Municipality.objects.filter(pk=tenant_a.pk).update(modules=[m for m in modules if m != "water"])
    login(client_a, tenant_a, "water_officer")
    assert client_a.get(tile_url("water_meters", *Z16)).status_code == 404

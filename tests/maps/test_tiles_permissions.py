"""Role matrix for every URL of the map backend (tiles, OGC API, the profile
page with the API token), on both municipalities, and the ViewMap / FSM
modules switched off.

A layer the role may not see does not exist for it (404, never 403).  The
tiles send anonymous callers to sign in like every staff page; the OGC API
answers them 401 (QGIS shows a sign-in prompt)."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tests.backoffice.registry.factories import ORIGIN, registry_sample
from tests.conftest import login
from tests.maps.helpers import cache_clear, tile_of, tile_url
from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

READ = ALL_STAFF - {"communications_officer"}
CONTAINMENTS = {"fsm_manager", "municipal_admin", "service_provider", "viewer", "gis_officer"}
PLANTS = CONTAINMENTS | {"caretaker"}
Z16 = tile_of(ORIGIN[0] + 0.0015, ORIGIN[1] + 0.0015, 16)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def map_rows(sample) -> list[MatrixRow]:
    pk = sample["plain"].pk
    layer_tile = {"denied": 404, "anonymous": 302}
    api = {"denied": 404, "anonymous": 401}
    return [
        MatrixRow(tile_url("buildings", *Z16), allowed=READ, **layer_tile),
        MatrixRow(tile_url("roads", *Z16), allowed=READ, ok=204, **layer_tile),
        MatrixRow(tile_url("drains", *Z16), allowed=READ, ok=204, **layer_tile),
        MatrixRow(tile_url("waterbodies", *Z16), allowed=READ, ok=204, **layer_tile),
        MatrixRow(tile_url("wards", *Z16), allowed=READ, **layer_tile),
        MatrixRow(tile_url("containments", *Z16), allowed=CONTAINMENTS, ok=204, **layer_tile),
        MatrixRow(tile_url("treatment_plants", *Z16), allowed=PLANTS, ok=204, **layer_tile),
        MatrixRow(tile_url("nonsense", *Z16), allowed=set(), **layer_tile),
        MatrixRow("/ogc/", allowed=ALL_STAFF, anonymous=401),
        MatrixRow("/ogc/conformance", allowed=ALL_STAFF, anonymous=401),
        MatrixRow("/ogc/collections", allowed=ALL_STAFF, anonymous=401),
        MatrixRow("/ogc/collections/buildings", allowed=READ, **api),
        MatrixRow("/ogc/collections/buildings/items", allowed=READ, **api),
        MatrixRow("/ogc/collections/buildings/queryables", allowed=READ, **api),
        MatrixRow("/ogc/collections/containments/queryables", allowed=CONTAINMENTS, **api),
        MatrixRow("/ogc/collections/buildings/items", allowed=READ, data={"ward": "1"}, **api),
        MatrixRow(f"/ogc/collections/buildings/items/{pk}", allowed=READ, **api),
        MatrixRow("/ogc/collections/wards/items", allowed=READ, **api),
        MatrixRow("/ogc/collections/containments/items", allowed=CONTAINMENTS, **api),
        MatrixRow("/ogc/collections/treatment_plants/items", allowed=PLANTS, **api),
        MatrixRow("/staff/profile/", allowed=ALL_STAFF),
        # an unknown action changes nothing and goes back to the page
        MatrixRow("/staff/profile/", allowed=ALL_STAFF, method="post", ok=302, data={"x": 1}),
        # read-only endpoints take no writes, whoever asks
        MatrixRow(
            "/ogc/collections", allowed=ALL_STAFF, method="post", ok=405, denied=405, anonymous=405
        ),
        MatrixRow(
            tile_url("buildings", *Z16),
            allowed=ALL_STAFF,
            method="post",
            ok=405,
            denied=405,
            anonymous=405,
        ),
    ]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_map_role_matrix(db, which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = registry_sample()
    assert_role_matrix(tenant, host_of(tenant.code), map_rows(sample))


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_map_endpoints_are_gone_when_viewmap_is_off(db, which, request):
    from tenants.models import Municipality

    tenant = request.getfixturevalue(which)
    Municipality.objects.filter(pk=tenant.pk).update(
        modules=[m for m in tenant.modules if m != "viewmap"]
    )
    client = login(Client(HTTP_HOST=host_of(tenant.code)), tenant, "municipal_admin")
    for path in (tile_url("buildings", *Z16), "/ogc/", "/ogc/collections/buildings/items"):
        assert client.get(path).status_code == 404, path
    page = client.get("/staff/profile/")
    assert page.status_code == 200 and b'id="api-token"' not in page.content


def test_fsm_layers_are_gone_when_fsm_is_off(tenant_a):
    from tenants.models import Municipality

    Municipality.objects.filter(pk=tenant_a.pk).update(
        modules=[m for m in tenant_a.modules if m != "fsm"]
    )
    client = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, "municipal_admin")
    assert client.get(tile_url("containments", *Z16)).status_code == 404
    assert client.get("/ogc/collections/containments/items").status_code == 404
    assert client.get(tile_url("roads", *Z16)).status_code == 204
    ids = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert "containments" not in ids and "buildings" in ids

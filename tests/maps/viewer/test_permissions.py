"""Permission matrix of the map page and its tool endpoints, in both
municipalities: every role that sees a layer gets the page; exports only
for the exporters; anonymous users are sent to sign in."""

import uuid

import pytest
from django_tenants.utils import schema_context

from maps.viewer.views import EXPORTERS
from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

READERS = ALL_STAFF - {"communications_officer"}


def _rows(ward_pk: int) -> list[MatrixRow]:
    return [
        MatrixRow("/staff/map/", allowed=READERS),
        MatrixRow("/staff/map/api/find/", allowed=READERS, data={"q": "B0"}),
        MatrixRow(f"/staff/map/api/info/wards/{ward_pk}/", allowed=READERS),
        MatrixRow(
            "/staff/map/api/select/", allowed=READERS, method="post", data={"layer": "wards"}
        ),
        MatrixRow(
            "/staff/map/api/summary/",
            allowed=READERS,
            method="post",
            data={"layer": "wards", "group": "area"},
        ),
        MatrixRow(
            "/staff/map/api/export/csv/",
            allowed=set(EXPORTERS),
            method="post",
            data={"layer": "wards"},
        ),
        # Someone else's (or no) export job: not found, for everyone who may use the map.
        MatrixRow(f"/staff/map/api/exports/{uuid.uuid4()}/", allowed=READERS, ok=404),
        MatrixRow(f"/staff/map/api/exports/{uuid.uuid4()}/download/", allowed=READERS, ok=404),
    ]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_map_role_matrix(which, request):
    from tests.backoffice.registry.factories import wards_make

    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        ward = wards_make(1)[0]
    assert_role_matrix(tenant, host_of(tenant.code), _rows(ward.pk))


def test_layers_a_role_may_not_see_are_not_found(tenant_a, client_a):
    from django.contrib.gis.geos import Point

    from backoffice.fsm.models import Containment, ContainmentType
    from tests.conftest import login

    with schema_context(tenant_a.schema_name):
        kind = ContainmentType.objects.first()
        pk = Containment.objects.create(
            code="P-C1", containment_type=kind, location=Point(89.55, 22.82, srid=4326)
        ).pk
    login(client_a, tenant_a, "revenue_collector")  # sees buildings, not containments
    assert client_a.get(f"/staff/map/api/info/containments/{pk}/").status_code == 404
    response = client_a.post("/staff/map/api/select/", {"layer": "containments"})
    assert response.status_code == 404
    response = client_a.post(
        "/staff/map/api/select/",
        {"layer": "buildings", "buffer_m": "30", "source": "containments"},
    )
    assert response.status_code == 404
    login(client_a, tenant_a, "fsm_manager")
    assert client_a.get(f"/staff/map/api/info/containments/{pk}/").status_code == 200

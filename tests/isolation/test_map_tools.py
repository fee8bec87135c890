"""The map tools keep each municipality's results to itself: a count the
tool remembered, an export job and its file, a feature id, all keyed by the
schema (users of two municipalities can share a primary key)."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django_tenants.utils import schema_context

from backoffice.fsm.models import Containment, ContainmentType
from backoffice.registry.models import Waterbody
from tests.conftest import login, staff_user

pytestmark = pytest.mark.django_db

POND = Polygon(((89.55, 22.82), (89.551, 22.82), (89.551, 22.821), (89.55, 22.821), (89.55, 22.82)))


def test_remembered_counts_and_results_stay_in_their_municipality(
    tenant_a, tenant_b, client_a, client_b
):
    assert staff_user(tenant_a, "gis_officer").pk == staff_user(tenant_b, "gis_officer").pk
    with schema_context(tenant_a.schema_name):
        Waterbody.objects.create(name_en="Iso pond", kind="pond", area=MultiPolygon(POND))
        kind = ContainmentType.objects.first()
        for i in range(3):
            Containment.objects.create(
                code=f"I-C{i}", containment_type=kind, location=Point(89.5512, 22.8205, srid=4326)
            )
    data = {"layer": "containments", "buffer_m": "50", "source": "waterbodies"}
    login(client_a, tenant_a, "gis_officer")
    login(client_b, tenant_b, "gis_officer")
    assert client_a.post("/staff/map/api/select/", data).json()["count"] == 3
    # Same user id, same parameters, other municipality: A's remembered count
    # is not B's; B counts its own rows (none) and exports them.
    response = client_b.post("/staff/map/api/export/csv/", data)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 1  # the header only
    with schema_context(tenant_b.schema_name):
        from tenants.audit.models import AuditEvent

        assert AuditEvent.objects.filter(action="maps.export").latest("id").data["rows"] == 0
    assert client_b.post("/staff/map/api/select/", data).json()["count"] == 0

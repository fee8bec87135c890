"""Owners' names, phones and national IDs reach only the revenue staff and
the municipal admin (MISSION.md: the old lookup leaked them)."""

import pytest
from django_tenants.utils import schema_context

from backoffice.registry import services
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import login

OWNER_READERS = {"municipal_admin", "revenue_chief", "revenue_collector"}
OTHERS = ["service_provider", "caretaker", "viewer", "gis_officer", "fsm_manager", "water_officer"]


@pytest.fixture
def holding(tenant_a):
    with schema_context(tenant_a.schema_name):
        wards_make()
        building = building_make()
        owner = services.owner_create(
            actor=None,
            name_en="Rahima Khatun",
            name_bn="রহিমা খাতুন",
            phone="01711000222",
            nid="1234567890",
        )
        holding = holding_make(code="01-001-0077-00", buildings=[building], owners=[owner])
        return holding, building, owner


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_see_no_owner_anywhere(tenant_a, client_a, holding, role):
    h, building, owner = holding
    login(client_a, tenant_a, role)
    pages = [
        client_a.get(f"/staff/registry/holdings/{h.code}/").content.decode(),
        client_a.get(f"/staff/registry/buildings/{building.bin}/").content.decode(),
        client_a.get("/staff/registry/holdings/?q=01-001").content.decode(),
    ]
    for page in pages:
        assert "Rahima" not in page and "01711000222" not in page and "1234567890" not in page
    assert client_a.get(f"/staff/registry/owners/{owner.pk}/").status_code == 403
    # a name search finds nothing: it would tell who owns what
    assert h.code not in client_a.get("/staff/registry/holdings/?q=Rahima").content.decode()


@pytest.mark.parametrize("role", sorted(OWNER_READERS))
def test_revenue_staff_see_the_owner(tenant_a, client_a, holding, role):
    h, _, owner = holding
    login(client_a, tenant_a, role)
    assert "Rahima" in client_a.get(f"/staff/registry/holdings/{h.code}/").content.decode()
    assert h.code in client_a.get("/staff/registry/holdings/?q=Rahima").content.decode()
    assert client_a.get(f"/staff/registry/owners/{owner.pk}/").status_code == 200

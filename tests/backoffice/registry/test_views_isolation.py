"""Two municipalities, one database: a record of one is never listed,
opened or edited on the other's host, even with the same holding code."""

import pytest
from django_tenants.utils import schema_context

from backoffice.registry import services
from backoffice.registry.models import Holding
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import login


@pytest.fixture
def both(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        wards_make()
        owner = services.owner_create(actor=None, name_en="Khulna Owner", phone="01712000001")
        a = building_make(ward=1)
        holding_make(code="01-001-0001-00", buildings=[a], owners=[owner], address="Khulna road")
    with schema_context(tenant_b.schema_name):
        wards_make()
        owner = services.owner_create(actor=None, name_en="Jashore Owner")
        b = building_make(ward=1)
        holding_make(code="01-001-0001-00", buildings=[b], owners=[owner], address="Jashore road")
    return {"a": a, "b": b}


def not_found(client, path) -> bool:
    return client.get(path, follow=True).status_code == 404


def test_lists_show_only_their_own_municipality(client_a, client_b, tenant_a, tenant_b, both):
    login(client_a, tenant_a, "viewer")
    login(client_b, tenant_b, "viewer")
    a_list = client_a.get("/staff/registry/buildings/").content.decode()
    b_list = client_b.get("/staff/registry/buildings/").content.decode()
    assert both["a"].bin in a_list and both["b"].bin not in a_list
    assert both["b"].bin in b_list and both["a"].bin not in b_list
    b_holdings = client_b.get("/staff/registry/holdings/", {"q": "Khulna"}).content.decode()
    table = b_holdings.split('id="holdings"', 1)[1]
    assert "01-001-0001-00" not in table  # the owner's name is khulna's only


def test_a_khulna_bin_is_404_on_jashores_host(client_a, client_b, tenant_a, tenant_b, both):
    login(client_a, tenant_a, "gis_officer")
    login(client_b, tenant_b, "gis_officer")
    path = f"/staff/registry/buildings/{both['a'].bin}/"
    assert client_a.get(path).status_code == 200
    for suffix in ("", "edit/", "history/"):
        assert not_found(client_b, path + suffix), suffix
    # and a post to it changes nothing anywhere
    client_b.post(path + "edit/", {"floors": "9"})
    with schema_context(tenant_a.schema_name):
        both["a"].refresh_from_db()
        assert both["a"].floors == 2


def test_the_same_holding_code_opens_each_municipalitys_own(
    client_a, client_b, tenant_a, tenant_b, both
):
    login(client_a, tenant_a, "revenue_collector")
    login(client_b, tenant_b, "revenue_collector")
    a_page = client_a.get("/staff/registry/holdings/01-001-0001-00/").content.decode()
    b_page = client_b.get("/staff/registry/holdings/01-001-0001-00/").content.decode()
    assert "Khulna Owner" in a_page and "Jashore Owner" not in a_page
    assert "Jashore Owner" in b_page and "Khulna Owner" not in b_page
    assert both["b"].bin in b_page and both["a"].bin not in b_page
    client_b.post(
        "/staff/registry/holdings/01-001-0001-00/edit/",
        {"code": "01-001-0001-00", "holding_type": "commercial", "annual_value": "5"},
    )
    with schema_context(tenant_a.schema_name):
        assert Holding.objects.get().holding_type == "residential"
    with schema_context(tenant_b.schema_name):
        assert Holding.objects.get().holding_type == "commercial"


def test_a_khulna_owner_is_not_shown_on_jashore(client_b, tenant_a, tenant_b, both):
    with schema_context(tenant_a.schema_name):
        from backoffice.registry.models import Owner

        khulna_owner = Owner.objects.get()
    login(client_b, tenant_b, "viewer")
    response = client_b.get(f"/staff/registry/owners/{khulna_owner.pk}/", follow=True)
    assert "Khulna Owner" not in response.content.decode()

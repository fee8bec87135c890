"""Role matrix for the office's FSM master data and settings pages, on both
tenants: only the FSM manager and the municipal admin come in (the effluent
standards: the municipal admin alone); service providers, caretakers,
viewers and everyone else are refused.  Forms are posted blank: an allowed
role gets the form back with errors (200) and nothing changes."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from backoffice.fsm.models import (
    Containment,
    Employee,
    FeeSlab,
    ProviderMember,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from tenants.audit.models import AuditEvent
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.conftest import login
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

OFFICE = {"fsm_manager", "municipal_admin"}
ADMIN = {"municipal_admin"}
M = "/staff/fsm/manage"
MISSING = 987_650  # no row has this id: allowed roles get 404, the others 403


def manage_rows(s) -> list[MatrixRow]:
    p, plant = s["provider"].pk, s["plant"].pk
    e, v = s["crew"].pk, s["vehicle"].pk
    code = s["containment"].code
    slab = FeeSlab.objects.order_by("pk").first().pk
    get_pages = [
        f"{M}/",
        f"{M}/providers/new/",
        f"{M}/providers/{p}/",
        f"{M}/providers/{p}/employees/new/",
        f"{M}/providers/{p}/employees/{e}/",
        f"{M}/providers/{p}/vehicles/new/",
        f"{M}/providers/{p}/vehicles/{v}/",
        f"{M}/plants/new/",
        f"{M}/plants/{plant}/",
        f"{M}/plants/{plant}/tests/new/",
        f"{M}/containments/new/",
        f"{M}/containments/{code}/",
        f"{M}/settings/sla/",
        f"{M}/settings/fees/",
        f"{M}/settings/fees/new/",
        f"{M}/settings/fees/{slab}/",
    ]
    rows = [MatrixRow(path, allowed=OFFICE) for path in get_pages]
    rows += [
        MatrixRow(path, allowed=OFFICE, method="post", data={})
        for path in get_pages
        if path not in (f"{M}/", f"{M}/settings/fees/", f"{M}/settings/sla/")
    ]
    rows += [
        MatrixRow(f"{M}/settings/fees/", allowed=OFFICE, data={"volume_m3": "4", "trips": "2"}),
        MatrixRow(f"{M}/providers/{p}/members/", allowed=OFFICE, method="post", data={}),
        MatrixRow(
            f"{M}/providers/{p}/members/{MISSING}/remove/",
            allowed=OFFICE,
            method="post",
            ok=404,
        ),
        MatrixRow(f"{M}/settings/fees/{MISSING}/delete/", allowed=OFFICE, method="post", ok=404),
        MatrixRow(f"{M}/providers/{MISSING}/", allowed=OFFICE, ok=404),
        MatrixRow(f"{M}/plants/{MISSING}/", allowed=OFFICE, ok=404),
        MatrixRow(f"{M}/containments/NO-SUCH-ID/", allowed=OFFICE, ok=404),
        # a blank SLA form is valid (every state on its default): post a bad value
        MatrixRow(f"{M}/settings/sla/", allowed=OFFICE, method="post", data={"submitted": "x"}),
        MatrixRow(f"{M}/standards/", allowed=ADMIN),
        MatrixRow(f"{M}/standards/", allowed=ADMIN, method="post", data={"ph_minimum": "x"}),
        # the pages that only write take no GET; the lists no POST
        MatrixRow(f"{M}/providers/{p}/members/", allowed=OFFICE, ok=405),
        MatrixRow(f"{M}/settings/fees/{slab}/delete/", allowed=OFFICE, ok=405),
        MatrixRow(f"{M}/", allowed=OFFICE, method="post", ok=405),
        MatrixRow(f"{M}/settings/fees/", allowed=OFFICE, method="post", ok=405),
    ]
    return rows


def _snapshot():
    return (
        list(ServiceProvider.objects.values().order_by("pk")),
        list(Employee.objects.values().order_by("pk")),
        list(Vehicle.objects.values().order_by("pk")),
        list(TreatmentPlant.objects.values("pk", "name", "caretaker_id").order_by("pk")),
        list(Containment.objects.values("pk", "volume_m3", "next_due_on").order_by("pk")),
        list(FeeSlab.objects.values().order_by("pk")),
        list(ProviderMember.objects.values().order_by("pk")),
        AuditEvent.objects.filter(
            action__regex=r"^fsm\.(provider|employee|vehicle|plant|effluent|containment\.update|fee_slab|config)"
        ).count(),
    )


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_manage_role_matrix(db, which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = fsm_sample(tenant)
        rows = manage_rows(sample)
        before = _snapshot()
    assert_role_matrix(tenant, host_of(tenant.code), rows)
    with schema_context(tenant.schema_name):
        assert _snapshot() == before  # no refused or blank post changed anything


def test_provider_cannot_reach_any_manage_page(db, tenant_a):
    with schema_context(tenant_a.schema_name):
        rows = manage_rows(fsm_sample(tenant_a))
    client = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, "service_provider")
    for row in rows:
        response = getattr(client, row.method)(row.path, row.data)
        assert response.status_code == 403, (row.method, row.path, response.status_code)
    # and the master-data pages offer a provider no add or edit links
    with schema_context(tenant_a.schema_name):
        plant = TreatmentPlant.objects.order_by("pk").first()
    html = client.get("/staff/fsm/jobs/").content.decode()
    assert "fsm-manage-link" not in html
    manager = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, "fsm_manager")
    assert "fsm-manage-link" in manager.get("/staff/fsm/inbox/").content.decode()
    assert 'id="manage-edit"' in manager.get(f"/staff/fsm/plants/{plant.pk}/").content.decode()
    viewer = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, "viewer")
    page = viewer.get(f"/staff/fsm/plants/{plant.pk}/").content.decode()
    assert 'id="manage-edit"' not in page and "fsm-manage-link" not in page


def test_an_id_from_one_municipality_is_404_on_the_other(db, tenant_a, tenant_b):
    """Each tenant's ids and codes exist only on its own host."""
    with schema_context(tenant_a.schema_name):
        sample = fsm_sample(tenant_a)
        provider = ServiceProvider.objects.create(pk=MISSING + 1, name="Only in A")
        vehicle = Vehicle.objects.create(
            pk=MISSING + 2, provider=provider, plate="A-ONLY-1", capacity_m3=2, width_m=1.5
        )
        employee = Employee.objects.create(
            pk=MISSING + 3, provider=provider, name="A only", role="driver"
        )
        slab = FeeSlab.objects.create(pk=MISSING + 4, base_amount=100)
        plant = TreatmentPlant.objects.create(
            pk=MISSING + 5,
            name="Only in A plant",
            kind="fstp",
            location=sample["plant"].location,
            capacity_m3_per_day=10,
        )
        code = sample["containment"].code
    with schema_context(tenant_b.schema_name):
        assert not Containment.objects.filter(code=code).exists()
    paths = [
        f"{M}/providers/{provider.pk}/",
        f"{M}/providers/{provider.pk}/vehicles/{vehicle.pk}/",
        f"{M}/providers/{provider.pk}/employees/{employee.pk}/",
        f"{M}/plants/{plant.pk}/",
        f"{M}/plants/{plant.pk}/tests/new/",
        f"{M}/containments/{code}/",
        f"{M}/settings/fees/{slab.pk}/",
    ]
    a = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, "municipal_admin")
    b = login(Client(HTTP_HOST=host_of(tenant_b.code)), tenant_b, "municipal_admin")
    for path in paths:
        assert a.get(path).status_code == 200, path
        assert b.get(path).status_code == 404, path
        assert b.post(path, {}).status_code == 404, path
    assert b.post(f"{M}/settings/fees/{slab.pk}/delete/").status_code == 404
    with schema_context(tenant_a.schema_name):
        assert FeeSlab.objects.filter(pk=slab.pk).exists()

"""Role matrix for every FSM staff page, on both tenants.

The office (FSM manager, municipal admin) runs the inbox and the help desk;
the revenue collector reads the inbox and settles fees; a service provider
sees its own jobs, a caretaker the loads at their plant; viewers read the
due list and master data but export nothing.  Forms are posted blank: an
allowed role gets the form back with errors (200) and nothing changes."""

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm.models import EmptyingApplication
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

OFFICE = {"fsm_manager", "municipal_admin"}
INBOX = OFFICE | {"revenue_collector"}
PROVIDER = {"service_provider"}
CARETAKER = {"caretaker"}
READERS = OFFICE | {"viewer"}
ANY_FSM = INBOX | PROVIDER | CARETAKER | READERS
F = "/staff/fsm"


def fsm_rows(s) -> list[MatrixRow]:
    sub = s["submitted"].reference
    fee = s["assessed"].reference  # awaiting the fee: the revenue collector's too
    job = s["scheduled"].reference
    load = s["emptied"].reference
    return [
        MatrixRow(f"{F}/", allowed=ANY_FSM, ok=302),
        MatrixRow(f"{F}/inbox/", allowed=INBOX),
        MatrixRow(f"{F}/inbox/", allowed=INBOX, data={"tab": "overdue"}),
        MatrixRow(f"{F}/inbox/", allowed=INBOX, data={"tab": "submitted", "q": "০১-০০১-০০০১-০০"}),
        MatrixRow(f"{F}/applications/{fee}/", allowed=INBOX),
        MatrixRow(f"{F}/applications/{fee}/settle_fee/", allowed=INBOX, method="post", data={}),
        MatrixRow(f"{F}/applications/{sub}/reject/", allowed=OFFICE, method="post", data={}),
        MatrixRow(f"{F}/applications/{sub}/assess/", allowed=OFFICE, method="post", data={}),
        MatrixRow(f"{F}/applications/{job}/reassign/", allowed=OFFICE, method="post", data={}),
        MatrixRow(f"{F}/intake/", allowed=OFFICE),
        MatrixRow(f"{F}/intake/", allowed=OFFICE, method="post", data={}),
        MatrixRow(f"{F}/jobs/", allowed=PROVIDER),
        MatrixRow(f"{F}/jobs/{job}/", allowed=PROVIDER),
        MatrixRow(f"{F}/jobs/{job}/", allowed=PROVIDER, method="post", data={}),
        MatrixRow(f"{F}/jobs/{job}/decline/", allowed=PROVIDER, method="post", data={}),
        MatrixRow(f"{F}/arrivals/", allowed=CARETAKER),
        MatrixRow(f"{F}/arrivals/{load}/", allowed=CARETAKER),
        MatrixRow(f"{F}/arrivals/{load}/", allowed=CARETAKER, method="post", data={}),
        MatrixRow(f"{F}/due/", allowed=READERS),
        MatrixRow(f"{F}/due/", allowed=READERS, data={"days": "365", "ward": "1"}),
        MatrixRow(f"{F}/due/export.csv", allowed=OFFICE),
        MatrixRow(f"{F}/due/export.xlsx", allowed=OFFICE),
        MatrixRow(f"{F}/containments/", allowed=READERS),
        MatrixRow(f"{F}/containments/{s['containment'].code}/", allowed=READERS),
        MatrixRow(f"{F}/providers/", allowed=READERS),
        MatrixRow(f"{F}/providers/{s['provider'].pk}/", allowed=READERS),
        MatrixRow(f"{F}/vehicles/", allowed=READERS),
        MatrixRow(f"{F}/plants/", allowed=READERS),
        MatrixRow(f"{F}/plants/{s['plant'].pk}/", allowed=READERS),
        # read-only pages take no writes, whoever asks
        MatrixRow(f"{F}/inbox/", allowed=INBOX, method="post", ok=405),
        MatrixRow(f"{F}/applications/{fee}/", allowed=INBOX, method="post", ok=405),
        MatrixRow(f"{F}/due/", allowed=READERS, method="post", ok=405),
        MatrixRow(f"{F}/containments/", allowed=READERS, method="post", ok=405),
        MatrixRow(f"{F}/due/export.csv", allowed=OFFICE, method="post", ok=405),
    ]


def _states():
    return dict(EmptyingApplication.objects.values_list("reference", "state"))


# ``db`` is named so pytest-django sets up the test database when this file runs alone.
@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_fsm_role_matrix(db, which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = fsm_sample(tenant)
        before = _states()
    assert_role_matrix(tenant, host_of(tenant.code), fsm_rows(sample))
    with schema_context(tenant.schema_name):
        assert _states() == before  # no blank post moved an application


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_fsm_is_gone_when_the_module_is_off(db, which, request):
    from django.test import Client

    from tenants.models import Municipality
    from tests.conftest import login

    tenant = request.getfixturevalue(which)
    Municipality.objects.filter(pk=tenant.pk).update(
        modules=[m for m in tenant.modules if m != "fsm"]
    )
    client = login(Client(HTTP_HOST=host_of(tenant.code)), tenant, "fsm_manager")
    for path in (f"{F}/", f"{F}/inbox/", f"{F}/intake/", f"{F}/due/export.csv"):
        assert client.get(path, follow=True).status_code == 404, path


def test_back_office_home_links_fsm_for_its_roles(db, tenant_a):
    from django.test import Client

    from tests.conftest import login

    for role, linked in (("fsm_manager", True), ("service_provider", True), ("gis_officer", False)):
        client = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, role)
        assert ('id="fsm-link"' in client.get("/staff/").content.decode()) is linked, role

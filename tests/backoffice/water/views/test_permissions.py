"""Role matrix for every water staff page, on both tenants.

The office (water supply officer, municipal admin) works; the revenue chief
alone approves a run and may prepare or issue one; viewers read.  Forms
are posted blank: an allowed role gets the form back with errors (200) or
is sent back to the page with a message (302), and nothing changes."""

import pytest
from django_tenants.utils import schema_context

from backoffice.water.models import (
    Connection,
    ConnectionApplication,
    Meter,
    Reading,
    WaterBillRun,
)
from tests.backoffice.water.views.sample import views_sample
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

OFFICE = {"water_officer", "municipal_admin"}
READERS = OFFICE | {"viewer"}
RUN_READERS = READERS | {"revenue_chief", "revenue_collector"}  # the collector prints bills
RUN_WORKERS = OFFICE | {"revenue_chief"}
CHIEF = {"revenue_chief"}
# an application's page: also revenue staff, who take its fee at the counter
APPLICATION_READERS = READERS | {"revenue_collector", "revenue_chief"}
W = "/staff/water"


def water_rows(s) -> list[MatrixRow]:
    conn = s["connections"][0].number
    run = s["run"].pk
    sub, paid = s["submitted"].reference, s["paid"].reference
    return [
        MatrixRow(f"{W}/", allowed=RUN_READERS, ok=302),
        MatrixRow(f"{W}/connections/", allowed=READERS),
        MatrixRow(f"{W}/connections/", allowed=READERS, data={"q": conn, "ward": "1"}),
        MatrixRow(f"{W}/connections/", allowed=READERS, data={"category": "domestic"}),
        MatrixRow(f"{W}/connections/{conn}/", allowed=READERS),
        MatrixRow(f"{W}/connections/{conn}/meter/", allowed=OFFICE, method="post", ok=302),
        MatrixRow(f"{W}/connections/{conn}/status/", allowed=OFFICE, method="post", ok=302),
        MatrixRow(f"{W}/readings/new/", allowed=OFFICE),
        MatrixRow(f"{W}/readings/new/", allowed=OFFICE, method="post", data={}),
        MatrixRow(f"{W}/readings/flagged/", allowed=READERS),
        MatrixRow(f"{W}/readings/{s['flagged'].pk}/review/", allowed=OFFICE, method="post", ok=302),
        MatrixRow(f"{W}/runs/", allowed=RUN_READERS),
        MatrixRow(f"{W}/runs/", allowed=RUN_WORKERS, method="post", data={}),
        MatrixRow(f"{W}/runs/{run}/", allowed=RUN_READERS),
        MatrixRow(f"{W}/runs/{run}/progress/", allowed=RUN_READERS),
        # approval is refused while a reading is flagged: back to the page
        MatrixRow(f"{W}/runs/{run}/approve/", allowed=CHIEF, method="post", ok=302),
        MatrixRow(f"{W}/runs/{run}/issue/", allowed=RUN_WORKERS, method="post", ok=302),
        # a bill number not in the run: 404 for the chief, 403 for the others
        MatrixRow(f"{W}/runs/{run}/bills/W-NONE/cancel/", allowed=CHIEF, method="post", ok=404),
        MatrixRow(f"{W}/applications/", allowed=READERS),
        MatrixRow(f"{W}/applications/", allowed=READERS, data={"state": "approved"}),
        MatrixRow(f"{W}/applications/new/", allowed=OFFICE),
        MatrixRow(f"{W}/applications/new/", allowed=OFFICE, method="post", data={}),
        MatrixRow(f"{W}/applications/{sub}/", allowed=APPLICATION_READERS),
        MatrixRow(f"{W}/applications/{paid}/", allowed=APPLICATION_READERS),
        # the typed receipt is gone: the fee is paid through payments
        MatrixRow(f"{W}/applications/{sub}/fee_paid/", allowed=OFFICE, method="post", ok=302),
        MatrixRow(f"{W}/applications/{sub}/reject/", allowed=OFFICE, method="post", ok=302),
        MatrixRow(f"{W}/applications/{paid}/connect/", allowed=OFFICE, method="post", ok=302),
        MatrixRow(f"{W}/tariffs/", allowed=READERS),
        MatrixRow(f"{W}/tariffs/new/", allowed=OFFICE),
        MatrixRow(f"{W}/tariffs/domestic/", allowed=OFFICE),
        MatrixRow(f"{W}/tariffs/domestic/", allowed=OFFICE, method="post", data={}),
        # read-only pages take no writes
        MatrixRow(f"{W}/connections/", allowed=READERS, method="post", ok=405),
        MatrixRow(f"{W}/runs/{run}/", allowed=RUN_READERS, method="post", ok=405),
        MatrixRow(f"{W}/applications/{sub}/", allowed=APPLICATION_READERS, method="post", ok=405),
    ]


def _state():
    return (
        list(Meter.objects.order_by("id").values_list("serial", "active")),
        list(Connection.objects.order_by("id").values_list("status", flat=True)),
        list(ConnectionApplication.objects.order_by("id").values_list("state", flat=True)),
        list(Reading.objects.order_by("id").values_list("status", flat=True)),
        list(WaterBillRun.objects.order_by("id").values_list("state", flat=True)),
    )


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_water_role_matrix(db, which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = views_sample(tenant)
        before = _state()
    assert_role_matrix(tenant, host_of(tenant.schema_name), water_rows(sample))
    with schema_context(tenant.schema_name):
        assert _state() == before  # blank posts changed nothing


def test_the_module_switched_off_answers_404(tenant_a):
    from django.test import Client

    from tests.conftest import login

    modules = list(tenant_a.modules)
    tenant_a.modules = [m for m in modules if m != "water"]
    tenant_a.save(update_fields=["modules"])
    try:
        client = login(Client(HTTP_HOST=host_of("khulna")), tenant_a, "water_officer")
        assert client.get(f"{W}/connections/").status_code == 404
    finally:
        tenant_a.modules = modules
        tenant_a.save(update_fields=["modules"])

"""Water bills through GET /api/v1/bills/<NUMBER>/pdf and
/api/v1/bills/?holding=CODE with a staff API token: the signed PDF, rows
marked "type": "water", roles, and the other municipality."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenants.audit.models import AuditEvent
from tests.backoffice.billing.pdf_support import pdf_text
from tests.backoffice.billing.test_api import api, token_of
from tests.backoffice.water.bill_pdf_support import HOLDING, OWNER_EN, water_a
from tests.conftest import login
from tests.support.tenancy import host_of

__all__ = ["water_a"]


def test_pdf_and_list_with_a_revenue_token(water_a, tenant_a):
    number = water_a["november"].number
    client = api(tenant_a, token_of(tenant_a, "revenue_collector"))
    response = client.get(f"/api/v1/bills/{number}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"/ByteRange" in response.content
    text = pdf_text(response.content)
    assert OWNER_EN in text and "497.50" in text  # the staff copy names the holder
    with schema_context(tenant_a.schema_name):
        event = AuditEvent.objects.get(action="billing.bill_pdf_read")
        assert event.data == {"copy": "full", "type": "water"}
    body = client.get("/api/v1/bills/", {"holding": "০১-০০১-০০০৭-০০"}).json()
    assert body["holding"] == HOLDING
    rows = body["results"]
    assert [(r["type"], r["number"]) for r in rows] == [
        ("water", number),
        ("water", water_a["october"].number),
    ]
    row = rows[0]
    assert row["connection"] == water_a["metered"].number and row["period"] == "2026-11"
    assert row["total"] == "497.50" and row["arrears"] == "412.50" and row["status"] == "issued"
    assert row["pdf"] == f"/api/v1/bills/{number}/pdf"
    assert row["verify"] == f"/bills/verify/{number}/"


@pytest.mark.parametrize("role", ["viewer", "water_officer"])
def test_other_roles_are_refused(water_a, tenant_a, role):
    client = api(tenant_a, token_of(tenant_a, role))
    assert client.get(f"/api/v1/bills/{water_a['november'].number}/pdf").status_code == 403
    assert client.get("/api/v1/bills/", {"holding": HOLDING}).status_code == 403


def test_no_token_and_the_other_municipality(water_a, tenant_a, tenant_b):
    url = f"/api/v1/bills/{water_a['november'].number}/pdf"
    assert api(tenant_a).get(url).status_code == 401
    other = api(tenant_b, token_of(tenant_b, "revenue_chief"))
    assert other.get(url).status_code == 404
    assert other.get("/api/v1/bills/", {"holding": HOLDING}).json()["results"] == []
    # A's token is not B's
    assert api(tenant_b, token_of(tenant_a, "revenue_chief")).get(url).status_code == 401


@pytest.mark.parametrize(("role", "linked"), [("revenue_chief", True), ("water_officer", False)])
def test_staff_run_and_connection_pages_link_the_pdf(water_a, tenant_a, role, linked):
    bill = water_a["november"]
    client = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, role)
    link = f'href="/api/v1/bills/{bill.number}/pdf"'
    if role == "revenue_chief":
        assert (link in client.get(f"/staff/water/runs/{bill.run_id}/").content.decode()) is linked
    else:
        page = client.get(f"/staff/water/connections/{water_a['metered'].number}/")
        assert page.status_code == 200 and (link in page.content.decode()) is linked
    # municipal_admin reads both pages and gets the PDF
    admin = login(Client(HTTP_HOST=host_of(tenant_a.code)), tenant_a, "municipal_admin")
    page = admin.get(f"/staff/water/connections/{water_a['metered'].number}/").content.decode()
    assert link in page
    assert link in admin.get(f"/staff/water/runs/{bill.run_id}/").content.decode()

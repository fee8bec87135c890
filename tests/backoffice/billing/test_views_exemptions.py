"""Exemption screens: grant (holding code in Bangla digits too), list in
force on a day or all, end; audited by billing/exemptions.py; refused
overlaps shown on the form; other municipalities' exemptions unseen."""

import datetime

import pytest
from django_tenants.utils import schema_context

from backoffice.billing import exemptions
from backoffice.billing.models import Exemption
from tenants.audit.models import AuditEvent
from tests.backoffice.billing.test_views import client_for
from tests.backoffice.registry.factories import holding_make, wards_make
from tests.conftest import staff_user

pytestmark = pytest.mark.django_db

CODE = "01-044-0001-00"


@pytest.fixture
def holding_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        wards_make(1)
        yield holding_make(None, code=CODE)


def test_grant_list_and_end(tenant_a, holding_a):
    chief = client_for(tenant_a, "revenue_chief")
    assert chief.get("/staff/billing/exemptions/new/").status_code == 200
    response = chief.post(
        "/staff/billing/exemptions/new/",
        {
            "holding": "০১-০৪৪-০০০১-০০",
            "reason": "freedom_fighter",
            "starts_on": "2026-01-01",
            "note": "Gazette 1234",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/staff/billing/exemptions/"
    exemption = Exemption.objects.get(holding=holding_a)
    assert exemption.granted_by.username == "revenue_chief" and exemption.ends_on is None
    assert AuditEvent.objects.filter(action="billing.exemption_granted").count() == 1

    page = chief.get("/staff/billing/exemptions/", {"on": "2026-06-01"}).content.decode()
    table = page.split('id="exemptions"', 1)[1].split("</table>", 1)[0]
    assert CODE in table and "Freedom fighter" in table and "Gazette 1234" in table
    before = chief.get("/staff/billing/exemptions/", {"on": "2025-12-31"}).content.decode()
    assert CODE not in before.split('id="exemptions"', 1)[1].split("</table>", 1)[0]

    overlap = chief.post(
        "/staff/billing/exemptions/new/",
        {"holding": CODE, "reason": "poverty", "starts_on": "2026-03-01"},
    )
    assert overlap.status_code == 200 and b"already has an exemption" in overlap.content
    unknown = chief.post(
        "/staff/billing/exemptions/new/",
        {"holding": "01-044-0999-00", "reason": "poverty", "starts_on": "2026-03-01"},
    )
    assert b"No holding has this code." in unknown.content

    admin = client_for(tenant_a, "municipal_admin")
    early = admin.post(f"/staff/billing/exemptions/{exemption.pk}/end/", {"ends_on": "2025-01-01"})
    assert early.status_code == 200 and b"cannot end before it starts" in early.content
    done = admin.post(f"/staff/billing/exemptions/{exemption.pk}/end/", {"ends_on": "2026-06-30"})
    assert done.status_code == 302
    exemption.refresh_from_db()
    assert exemption.ends_on == datetime.date(2026, 6, 30)
    assert exemption.ended_by.username == "municipal_admin"
    assert AuditEvent.objects.filter(action="billing.exemption_ended").count() == 1
    later = admin.get("/staff/billing/exemptions/", {"on": "2026-07-01"}).content.decode()
    assert CODE not in later.split('id="exemptions"', 1)[1].split("</table>", 1)[0]
    every = admin.get("/staff/billing/exemptions/", {"all": "on"}).content.decode()
    assert CODE in every and "Ended" in every


def test_others_cannot_grant_or_end(tenant_a, holding_a):
    exemption = exemptions.exemption_grant(
        actor=staff_user(tenant_a, "revenue_chief"),
        holding=holding_a,
        reason="religious",
        starts_on=datetime.date(2026, 1, 1),
    )
    collector = client_for(tenant_a, "revenue_collector")
    data = {"holding": CODE, "reason": "poverty", "starts_on": "2027-01-01"}
    assert collector.post("/staff/billing/exemptions/new/", data).status_code == 403
    end = {"ends_on": "2026-02-01"}
    assert collector.post(f"/staff/billing/exemptions/{exemption.pk}/end/", end).status_code == 403
    exemption.refresh_from_db()
    assert exemption.ended_at is None and Exemption.objects.count() == 1


def test_exemptions_stay_in_their_municipality(tenant_a, holding_a, tenant_b):
    exemption = exemptions.exemption_grant(
        actor=staff_user(tenant_a, "revenue_chief"),
        holding=holding_a,
        reason="religious",
        starts_on=datetime.date(2026, 1, 1),
    )
    chief_b = client_for(tenant_b, "revenue_chief")
    with schema_context(tenant_b.schema_name):
        page = chief_b.get("/staff/billing/exemptions/", {"all": "on"}).content.decode()
        assert CODE not in page and "No exemption." in page
        url = f"/staff/billing/exemptions/{exemption.pk}/end/"
        assert chief_b.post(url, {"ends_on": "2026-02-01"}).status_code == 404
        refused = chief_b.post(
            "/staff/billing/exemptions/new/",
            {"holding": CODE, "reason": "poverty", "starts_on": "2026-03-01"},
        )
        assert b"No holding has this code." in refused.content
    with schema_context(tenant_a.schema_name):
        exemption.refresh_from_db()
        assert exemption.ended_at is None

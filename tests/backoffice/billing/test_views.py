"""Staff bill-run screens: open a period (defaults from the quarter),
prepare, review (ward totals, exceptions paged, links to the holdings),
approve (revenue chief only, refused on the server for anyone else),
issue (queued for the worker after commit), progress, the issued run's
bills; in Bangla too."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from backoffice.billing import services
from backoffice.billing.models import BillingPeriod, BillRun
from tenants.audit.models import AuditEvent
from tests.backoffice.billing.test_services import billing_sample, period_make
from tests.backoffice.registry.factories import holding_make
from tests.conftest import login, staff_user
from tests.support.tenancy import host_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        billing_sample(staff_user(tenant_a, "gis_officer"))
        yield tenant_a


def client_for(tenant, role: str, language: str = "en") -> Client:
    client = Client(HTTP_HOST=host_of(tenant.code), HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    return login(client, tenant, role)


def test_open_a_period_with_defaults_from_the_quarter(sample_a):
    client = client_for(sample_a, "revenue_collector")
    response = client.get("/staff/billing/periods/new/")
    assert response.status_code == 200
    response = client.post("/staff/billing/periods/new/", {"year": 2027, "quarter": 2})
    assert response.status_code == 302 and response["Location"] == "/staff/billing/"
    period = BillingPeriod.objects.get(year=2027, quarter=2)
    assert (period.starts_on, period.ends_on, period.due_on) == (
        datetime.date(2027, 4, 1),
        datetime.date(2027, 6, 30),
        datetime.date(2027, 5, 1),
    )
    event = AuditEvent.objects.get(action="billing.period_created")
    assert event.actor_username == "revenue_collector" and event.data["period"] == "2027-Q2"
    # The next form proposes the following quarter; the same quarter twice is refused.
    assert b'value="3" selected' in client.get("/staff/billing/periods/new/").content
    again = client.post("/staff/billing/periods/new/", {"year": 2027, "quarter": 2})
    assert again.status_code == 200 and BillingPeriod.objects.count() == 1
    bad = client.post(
        "/staff/billing/periods/new/",
        {"year": 2028, "quarter": 1, "starts_on": "2028-03-01", "ends_on": "2028-01-01"},
    )
    assert bad.status_code == 200 and b"cannot end before it starts" in bad.content


def test_prepare_review_approve_issue(sample_a, django_capture_on_commit_callbacks):
    period = period_make()
    collector = client_for(sample_a, "revenue_collector")
    listing = collector.get("/staff/billing/").content.decode()
    assert "2026" in listing and f"/staff/billing/periods/{period.pk}/prepare/" in listing
    response = collector.post(f"/staff/billing/periods/{period.pk}/prepare/")
    run = BillRun.objects.get(period=period)
    assert response["Location"] == f"/staff/billing/runs/{run.pk}/"

    page = collector.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    totals = page.split('id="ward-totals"', 1)[1].split("</table>", 1)[0]
    assert "1,020.44" in totals and ">4<" in totals
    exceptions = page.split('id="exceptions"', 1)[1].split("</table>", 1)[0]
    assert 'href="/staff/registry/holdings/01-001-0005-00/"' in exceptions
    assert "No tax rate for this holding type" in exceptions
    assert 'id="approve-form"' not in page and "Only the revenue chief approves" in page

    # The collector's approval is refused on the server, not just hidden.
    refused = collector.post(f"/staff/billing/runs/{run.pk}/approve/")
    assert refused.status_code == 403
    run.refresh_from_db()
    assert run.state == BillRun.State.PREPARED
    assert collector.post(f"/staff/billing/runs/{run.pk}/issue/").status_code == 302
    assert not AuditEvent.objects.filter(action="billing.run_issue_queued").exists()

    chief = client_for(sample_a, "revenue_chief")
    assert 'id="approve-form"' in chief.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    assert chief.post(f"/staff/billing/runs/{run.pk}/approve/").status_code == 302
    run.refresh_from_db()
    assert run.state == BillRun.State.APPROVED and run.approved_by.username == "revenue_chief"
    page = chief.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    assert 'id="issue-form"' in page and 'id="progress"' not in page

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert chief.post(f"/staff/billing/runs/{run.pk}/issue/").status_code == 302
    assert len(callbacks) == 1  # bill_run_issue_task.delay, after commit
    page = chief.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    assert 'id="progress"' in page and 'http-equiv="refresh"' in page
    assert 'id="issue-form"' not in page
    progress = chief.get(f"/staff/billing/runs/{run.pk}/progress/").json()
    assert progress == {
        "state": "approved",
        "state_label": "Approved",
        "progress": 0,
        "bills": 0,
        "holdings": 4,
    }

    # What the worker does (the real worker: tests/browser/test_billing_staff.py).
    services.bill_run_issue(run_id=run.pk)
    assert chief.get(f"/staff/billing/runs/{run.pk}/progress/").json()["progress"] == 100
    page = chief.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    issued = page.split('id="issued"', 1)[1].split("</section>", 1)[0]
    assert "4 bills issued" in issued
    assert f'href="/staff/billing/runs/{run.pk}/bills/"' in issued
    assert f'href="/staff/billing/print/?run={run.pk}"' in issued
    assert 'http-equiv="refresh"' not in page

    bills = chief.get(f"/staff/billing/runs/{run.pk}/bills/").content.decode()
    table = bills.split('id="bills"', 1)[1].split("</table>", 1)[0]
    assert table.count("/staff/billing/bills/2026-Q4-") == 4  # each bill's page
    assert 'href="/staff/registry/holdings/01-001-0003-00/"' in table
    assert (
        "2026-Q4-000001"
        in chief.get(f"/staff/billing/runs/{run.pk}/bills/?ward=1").content.decode()
    )
    assert (
        "2026-Q4-" not in chief.get(f"/staff/billing/runs/{run.pk}/bills/?ward=2").content.decode()
    )


def test_a_second_prepare_is_refused_with_a_message(sample_a):
    period = period_make()
    services.bill_run_prepare(actor=staff_user(sample_a, "revenue_chief"), period=period)
    client = client_for(sample_a, "revenue_chief")
    response = client.post(f"/staff/billing/periods/{period.pk}/prepare/", follow=True)
    assert b"already has a bill run" in response.content
    assert BillRun.objects.count() == 1


def test_exceptions_are_paged(sample_a):
    actor = staff_user(sample_a, "gis_officer")
    for n in range(6, 61):
        holding_make(actor, code=f"01-002-{n:04d}-00", holding_type="industrial")
    run = services.bill_run_prepare(actor=actor, period=period_make())
    assert len(run.exceptions) == 57
    client = client_for(sample_a, "viewer")
    first = client.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    assert first.split('id="exceptions"', 1)[1].split("</table>")[0].count("<tr>") == 51
    assert 'rel="next" href="?page=2"' in first
    second = client.get(f"/staff/billing/runs/{run.pk}/?page=2").content.decode()
    assert second.split('id="exceptions"', 1)[1].split("</table>")[0].count("<tr>") == 8
    # The viewer reads the review but gets no buttons.
    assert "approve-form" not in first and "issue-form" not in first


def test_review_in_bangla(sample_a):
    run = services.bill_run_prepare(
        actor=staff_user(sample_a, "revenue_chief"), period=period_make()
    )
    client = client_for(sample_a, "revenue_chief", language="bn")
    page = client.get(f"/staff/billing/runs/{run.pk}/").content.decode()
    assert "১,০২০.৪৪" in page
    assert "Approve the run" not in page and "Totals by ward" not in page


def test_run_pages_stay_in_their_municipality(sample_a, tenant_b):
    run = services.bill_run_prepare(
        actor=staff_user(sample_a, "revenue_chief"), period=period_make()
    )
    client = client_for(tenant_b, "revenue_chief")
    with schema_context(tenant_b.schema_name):
        assert not BillRun.objects.filter(pk=run.pk).exists()
        listing = client.get("/staff/billing/").content.decode()
        assert "No billing period yet." in listing
        for path in ("", "progress/", "bills/"):
            assert client.get(f"/staff/billing/runs/{run.pk}/{path}").status_code == 404
        assert client.post(f"/staff/billing/runs/{run.pk}/approve/").status_code == 404
        assert client.post(f"/staff/billing/periods/{run.period_id}/prepare/").status_code == 404
    with schema_context(sample_a.schema_name):
        run.refresh_from_db()
        assert run.state == BillRun.State.PREPARED
    assert Decimal(run.total) == Decimal("1020.44")


def _queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_list_pages_cost_the_same_queries_for_more_rows(sample_a):
    chief = client_for(sample_a, "revenue_chief")
    actor = staff_user(sample_a, "revenue_chief")
    run = services.bill_run_prepare(actor=actor, period=period_make(2026, 1))
    services.bill_run_issue(run_id=services.bill_run_approve(actor=actor, run=run).pk)
    paths = ("/staff/billing/", f"/staff/billing/runs/{run.pk}/bills/", "/staff/billing/rates/")
    before = [_queries(chief, p) for p in paths]
    for quarter in (2, 3):
        services.bill_run_prepare(actor=actor, period=period_make(2026, quarter))
    actor_gis = staff_user(sample_a, "gis_officer")
    for n in range(6, 12):
        holding_make(actor_gis, code=f"01-001-{n:04d}-00")
    run_b = services.bill_run_prepare(actor=actor, period=period_make(2026, 4))
    services.bill_run_issue(run_id=services.bill_run_approve(actor=actor, run=run_b).pk)
    paths_b = ("/staff/billing/", f"/staff/billing/runs/{run_b.pk}/bills/", "/staff/billing/rates/")
    after = [_queries(chief, p) for p in paths_b]
    assert after == before and max(after) <= 10

"""The revenue chief, on a 360 px phone, opens a billing period, prepares
the run, reviews it (totals by ward, an exception linked to its holding)
and approves it; a revenue collector sees no approve button and is refused
when posting the approval anyway; the chief issues the run, a real Celery
worker issues the bills while the page shows progress, and the issued run
links to its bills and the ward print batches.

The live server and the worker read only committed data: holdings and a
tax rate are made and removed by ``manage.py shell`` in a fresh process."""

import json
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_fsm_staff import HOST, SCHEMA, fits_the_screen, staff_page
from tests.support.cleanup import manage

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

YEAR = 2035  # a year no other test bills
ROAD = "355"  # holding codes NN-355-NNNN-00 are this test's

_SETUP = """
import json
from urllib.parse import urlparse
from decimal import Decimal
from backoffice.billing.models import BillingPeriod, TaxRate
from backoffice.registry.models import Holding, Ward
from django.utils import timezone
from django_tenants.utils import schema_context
from tests.backoffice.registry.factories import holding_make, wards_make
with schema_context(%(schema)r):
    assert not BillingPeriod.objects.filter(year=%(year)d).exists(), "period exists"
    before = set(Ward.objects.values_list("pk", flat=True))
    wards = wards_make(2)
    made = {"wards": [w.pk for w in wards if w.pk not in before], "rate": None,
            "since": timezone.now().isoformat()}
    if not TaxRate.objects.filter(holding_type="residential").exists():
        made["rate"] = TaxRate.objects.create(
            holding_type="residential", holding_tax_pct=Decimal("7"),
            conservancy_pct=Decimal("7"), lighting_pct=Decimal("3"),
        ).pk
    holding_make(None, code="01-%(road)s-0001-00", annual_value=Decimal("24000"))
    holding_make(None, code="02-%(road)s-0002-00", annual_value=Decimal("12000"))
    holding_make(None, code="02-%(road)s-0003-00", holding_type="industrial")
    rated = set(TaxRate.objects.values_list("holding_type", flat=True))
    made["billable"] = Holding.objects.filter(
        status="active", holding_type__in=rated).count()
    print(json.dumps(made))
"""

_TEARDOWN = """
from django.db import connection, transaction
from django_tenants.utils import schema_context
from backoffice.billing.models import Bill, BillingPeriod, BillRun, TaxRate
from backoffice.registry.models import ChangeRecord, Holding, Ward
from tenants.audit.models import AuditEvent
made = %(made)r
with schema_context(%(schema)r), transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE billing_bill DISABLE TRIGGER billing_bill_immutable")
    periods = BillingPeriod.objects.filter(year=%(year)d)
    runs = BillRun.objects.filter(period__in=periods).values_list("pk", flat=True)
    runs = [str(pk) for pk in runs]
    periods = [str(pk) for pk in periods.values_list("pk", flat=True)]
    Bill.objects.filter(run__period__year=%(year)d).delete()
    BillRun.objects.filter(period__year=%(year)d).delete()
    BillingPeriod.objects.filter(year=%(year)d).delete()
    AuditEvent.objects.filter(object_type="billing.billrun", object_id__in=runs).delete()
    AuditEvent.objects.filter(object_type="billing.billingperiod", object_id__in=periods).delete()
    holdings = Holding.objects.filter(code__regex=r"^[0-9]{2}-%(road)s-")
    ids = list(holdings.values_list("pk", flat=True))
    ChangeRecord.objects.filter(model="holding", object_id__in=ids).delete()
    AuditEvent.objects.filter(
        object_type="registry.holding", object_id__in=[str(pk) for pk in ids]).delete()
    holdings.delete()
    if made.get("since"):  # the exports the test downloaded
        AuditEvent.objects.filter(action="billing.export", at__gte=made["since"]).delete()
    if made.get("rate"):
        TaxRate.objects.filter(pk=made["rate"]).delete()
    Ward.objects.filter(pk__in=made.get("wards", [])).delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE billing_bill ENABLE TRIGGER billing_bill_immutable")
"""


@pytest.fixture
def billing_data(live_portal, celery_worker):
    args = {"schema": SCHEMA, "year": YEAR, "road": ROAD}
    result = manage("shell", "-c", _SETUP % args)
    if result.returncode != 0:
        if "period exists" not in result.stderr:
            manage("shell", "-c", _TEARDOWN % {**args, "made": {}})
        pytest.fail(f"billing setup failed: {result.stderr[-600:]}")
    made = json.loads(result.stdout.strip().splitlines()[-1])
    yield made
    result = manage("shell", "-c", _TEARDOWN % {**args, "made": made})
    assert result.returncode == 0, result.stderr


def test_chief_prepares_reviews_and_approves_a_collector_cannot(browser, url, billing_data):
    chief = staff_page(browser, url, "revenue_chief", phone=True)
    chief.get_by_role("link", name="Holding tax billing").click()
    expect(chief).to_have_url(url(HOST, "/staff/billing/"))
    chief.get_by_role("link", name="Open a billing period").click()
    form = chief.locator("#period-form")
    form.locator("[name=year]").fill(str(YEAR))
    form.locator("[name=quarter]").select_option("1")
    fits_the_screen(chief)
    form.get_by_role("button", name="Open the period").click()
    expect(chief).to_have_url(url(HOST, "/staff/billing/"))
    row = chief.locator(f'#periods tr[data-period="{YEAR}-Q1"]')
    expect(row).to_contain_text(str(YEAR))
    row.get_by_role("button", name="Prepare the run").click()

    # The review: totals by ward, the grand total, the exception's holding.
    expect(chief.locator("#state")).to_have_attribute("data-state", "prepared")
    expect(chief.locator("#holding-count")).to_have_text(str(billing_data["billable"]))
    expect(chief.locator("#ward-totals")).to_be_visible()
    exception = chief.locator("#exceptions").get_by_role("link", name=f"02-{ROAD}-0003-00")
    expect(exception).to_have_attribute("href", f"/staff/registry/holdings/02-{ROAD}-0003-00/")
    fits_the_screen(chief)
    run_path = urlparse(chief.url).path
    assert run_path.startswith("/staff/billing/runs/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chief.screenshot(path=str(ARTIFACTS / "billing-run-review-phone.png"), full_page=True)

    # The collector reads the same review but cannot approve, not even by posting.
    collector = staff_page(browser, url, "revenue_collector", phone=True)
    collector.goto(url(HOST, run_path))
    expect(collector.locator("#approval-note")).to_be_visible()
    expect(collector.get_by_role("button", name="Approve the run")).to_have_count(0)
    status = collector.evaluate(
        """async (path) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/);
            const r = await fetch(path + "approve/", {
                method: "POST", credentials: "same-origin",
                headers: {"X-CSRFToken": token ? token[1] : ""}});
            return r.status;
        }""",
        run_path,
    )
    assert status == 403
    collector.reload()
    expect(collector.locator("#state")).to_have_attribute("data-state", "prepared")
    collector.context.close()

    # The chief approves and issues; the worker issues while the page shows progress.
    chief.reload()
    chief.get_by_role("button", name="Approve the run").click()
    expect(chief.locator("#state")).to_have_attribute("data-state", "approved")
    chief.get_by_role("button", name="Issue the bills").click()
    expect(chief.locator("#issued")).to_be_visible(timeout=60_000)
    expect(chief.locator("#state")).to_have_attribute("data-state", "issued")
    expect(chief.locator("#issued")).to_contain_text(f"{billing_data['billable']} bills issued")
    fits_the_screen(chief)
    chief.screenshot(path=str(ARTIFACTS / "billing-run-issued-phone.png"), full_page=True)
    expect(chief.locator("#print-link")).to_have_attribute(
        "href", f"/staff/billing/print/?run={run_path.rstrip('/').rsplit('/', 1)[1]}"
    )
    chief.locator("#bills-link").click()
    expect(chief.locator("#bills")).to_contain_text(f"{YEAR}-Q1-000001")
    expect(chief.locator("#bills")).to_contain_text(f"01-{ROAD}-0001-00")
    fits_the_screen(chief)
    for path in (
        "/staff/billing/rates/",
        "/staff/billing/exemptions/",
        "/staff/billing/collection/",
    ):
        chief.goto(url(HOST, path))
        fits_the_screen(chief)
    chief.context.close()

    # The collector, in Bangla on the phone: what the new bills leave owing, by ward.
    bangla = staff_page(browser, url, "revenue_collector", phone=True)
    bangla.goto(url(HOST, "/staff/billing/dues/?ward=1"))
    bangla.get_by_role("button", name="বাংলা").click()
    expect(bangla).to_have_url(url(HOST, "/staff/billing/dues/?ward=1"))
    expect(bangla.get_by_role("heading", name="ওয়ার্ডভিত্তিক বকেয়া")).to_be_visible()
    expect(bangla.locator("#dues")).to_contain_text(f"01-{ROAD}-0001-00")
    fits_the_screen(bangla)
    bangla.screenshot(path=str(ARTIFACTS / "billing-dues-bn-phone.png"), full_page=True)
    status, head = bangla.evaluate(
        """async () => {
            const r = await fetch(document.getElementById("export-csv").href);
            return [r.status, (await r.text()).slice(0, 400)];
        }"""
    )
    assert status == 200 and head.startswith("code,ward,")  # fetch() drops the BOM
    assert f"01-{ROAD}-0001-00,1," in head and "ওয়ার্ড 1" in head
    bangla.context.close()

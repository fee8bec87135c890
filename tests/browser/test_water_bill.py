"""A citizen's phone, in Bangla: looks the holding up by its code in Bangla
digits, sees the month's water bill, opens its verification page (figures,
not paid) and fetches the signed public copy.

The live server reads only committed data: the water connection (the staff
water test's fixture, which removes it and its bills) and its issued bill
are made in ``manage.py shell`` (fresh processes), in khulna."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_fsm_staff import HOST, SCHEMA, fits_the_screen
from tests.browser.test_payments import bn_page
from tests.browser.test_water_staff import HOLDING, water_connection
from tests.support.cleanup import manage

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
__all__ = ["bn_page", "water_connection"]  # fixtures

HOLDING_BN = HOLDING.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))

_ISSUE = """
from decimal import Decimal
from django.utils import timezone
from django_tenants.utils import schema_context
from backoffice.water import runs, services
from backoffice.water.models import Connection, WaterBill, WaterBillingPeriod
from tests.conftest import staff_user
from tenants.models import Municipality
with schema_context(%(schema)r):
    tenant = Municipality.objects.get(schema_name=%(schema)r)
    today = timezone.localdate()
    period = WaterBillingPeriod.objects.get(year=today.year, month=today.month)
    conn = Connection.objects.get(number=%(number)r)
    officer = staff_user(tenant, "water_officer")
    services.reading_record(actor=officer, meter=conn.meters.get(active=True), period=period,
                            read_on=today, value=Decimal("12.5"))
    run = runs.water_run_prepare(actor=officer, period=period)
    runs.water_run_approve(actor=staff_user(tenant, "revenue_chief"), run=run)
    runs.water_run_issue(run_id=run.pk)
    print(WaterBill.objects.get(connection=conn).number)
"""


@pytest.fixture
def water_bill(water_connection):
    """The connection's bill of this month, issued (removed with it)."""
    issued = manage("shell", "-c", _ISSUE % {"schema": SCHEMA, "number": water_connection})
    assert issued.returncode == 0, issued.stderr[-2000:]
    return issued.stdout.strip().splitlines()[-1]


def test_a_citizen_verifies_a_water_bill_in_bangla(bn_page, url, water_bill):
    page = bn_page
    page.goto(url(HOST, "/bn/pay/"))
    page.locator("input[name=holding_code]").fill(HOLDING_BN)
    page.get_by_role("button", name="বিল খুঁজুন").click()
    expect(page.get_by_role("link", name=water_bill)).to_be_visible()
    fits_the_screen(page)
    # 12.5 m³: 10 x 8.50 + 2.5 x 11 = 112.50, meter rent 25
    page.get_by_role("link", name=water_bill).click()
    expect(page.locator("#validity")).to_contain_text("এই বিলটি পৌরসভা জারি করেছে এবং এটি বৈধ।")
    expect(page.locator("#document")).to_contain_text("পানির বিল")
    expect(page.locator("#holding")).to_contain_text(HOLDING_BN)
    expect(page.locator("#total")).to_contain_text("১৩৭.৫০")
    expect(page.locator("#payment")).to_contain_text("অপরিশোধিত")
    fits_the_screen(page)
    # The signed public copy (fetched by the browser: only Chromium resolves *.localhost).
    status, kind, head = page.evaluate(
        """async (path) => {
            const r = await fetch(path);
            const bytes = new Uint8Array(await r.arrayBuffer()).slice(0, 5);
            return [r.status, r.headers.get("content-type"), String.fromCharCode(...bytes)];
        }""",
        f"/bn/pay/bills/{water_bill}/pdf/",
    )
    assert (status, kind, head) == (200, "application/pdf", "%PDF-")

"""The water supply officer enters a meter reading on a 360 px phone
(refused first with the reason, then saved), prepares the month's run, and
the revenue chief approves it.

The live server reads only committed data: set-up and clean-up run in
``manage.py shell`` (fresh processes), in khulna."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_fsm_staff import HOST, SCHEMA, fits_the_screen, staff_page
from tests.support.cleanup import manage

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HOLDING = "01-088-0001-00"

_SETUP = """
from decimal import Decimal
from django.utils import timezone
from django_tenants.utils import schema_context
from backoffice.registry.models import Ward
from backoffice.water import services
from backoffice.water.models import WaterBillingPeriod
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.backoffice.water.factories import connection_make, tariffs_make
with schema_context(%(schema)r):
    made_ward = not Ward.objects.filter(number=1).exists()
    wards_make(1)
    tariffs = tariffs_make(None)
    building = building_make(None, ward=1, index=777)
    holding = holding_make(None, code=%(holding)r, buildings=[building])
    conn = connection_make(None, holding=holding, category=tariffs["domestic"],
                           serial="PW-1", connected_on=timezone.localdate().replace(day=1))
    today = timezone.localdate()
    if not WaterBillingPeriod.objects.filter(year=today.year, month=today.month).exists():
        services.period_create(actor=None, year=today.year, month=today.month)
    print(conn.number, building.bin, int(made_ward))
"""

_TEARDOWN = """
from django.db import connection, transaction
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, ChangeRecord, Holding, HoldingEvent, Ward
from backoffice.water.models import (Connection, ConnectionFee, Meter, Reading, TariffCategory,
    TariffSlab, WaterBill, WaterBillingPeriod, WaterBillRun)
from tenants.audit.models import AuditEvent
with schema_context(%(schema)r), transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE water_waterbill DISABLE TRIGGER water_waterbill_immutable")
    WaterBill.objects.all().delete()
    WaterBillRun.objects.all().delete()
    Reading.objects.all().delete()
    Meter.objects.all().delete()
    Connection.objects.all().delete()
    WaterBillingPeriod.objects.all().delete()
    ConnectionFee.objects.all().delete()
    TariffSlab.objects.all().delete()
    TariffCategory.objects.all().delete()
    for model, name, rows in (("holding", "code", Holding), ("building", "bin", Building)):
        key = %(holding)r if model == "holding" else %(bin)r
        ids = list(rows.objects.filter(**{name: key}).values_list("id", flat=True))
        rows.objects.filter(id__in=ids).delete()
        ChangeRecord.objects.filter(model=model, object_id__in=ids).delete()
    if %(made_ward)s:
        Ward.objects.filter(number=1).delete()
    AuditEvent.objects.filter(action__startswith="water.").delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE water_waterbill ENABLE TRIGGER water_waterbill_immutable")
"""


@pytest.fixture
def water_connection(live_portal):
    result = manage("shell", "-c", _SETUP % {"schema": SCHEMA, "holding": HOLDING})
    assert result.returncode == 0, result.stderr[-2000:]
    number, bin_, made_ward = result.stdout.strip().splitlines()[-1].split()
    yield number
    cleanup = manage(
        "shell",
        "-c",
        _TEARDOWN % {"schema": SCHEMA, "holding": HOLDING, "bin": bin_, "made_ward": made_ward},
    )
    assert cleanup.returncode == 0, cleanup.stderr[-2000:]


def test_a_reading_on_a_phone_then_the_run_is_prepared_and_approved(browser, url, water_connection):
    officer = staff_page(browser, url, "water_officer", phone=True)
    officer.goto(url(HOST, "/staff/water/readings/new/"))
    fits_the_screen(officer)
    form = officer.locator("#reading-form")
    form.locator("[name=connection]").fill(water_connection)
    form.locator("[name=value]").fill("12.5")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    form.locator("[name=read_on]").fill(tomorrow.isoformat())
    button = form.get_by_role("button", name="Save the reading")
    assert button.bounding_box()["height"] >= 44  # a thumb-sized target
    button.click()
    expect(officer.locator("#reading-form")).to_contain_text("in the future")
    form = officer.locator("#reading-form")
    form.locator("[name=read_on]").fill(datetime.date.today().isoformat())
    form.locator("[name=value]").fill("12.5")
    form.get_by_role("button", name="Save the reading").click()
    expect(officer.locator(".messages")).to_contain_text("12.500 m³ used")
    fits_the_screen(officer)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    officer.screenshot(path=str(ARTIFACTS / "water-reading-phone.png"), full_page=True)

    officer.goto(url(HOST, "/staff/water/runs/"))
    officer.locator("#prepare-form").get_by_role("button", name="Prepare").click()
    expect(officer.locator("#state")).to_have_attribute("data-state", "prepared")
    expect(officer.locator("#approval-note")).to_be_visible()  # the officer cannot approve
    run_url = officer.url
    officer.context.close()

    chief = staff_page(browser, url, "revenue_chief")
    chief.goto(run_url)
    expect(chief.locator("#ward-totals")).to_contain_text("12.500")
    chief.get_by_role("button", name="Approve the run").click()
    expect(chief.locator("#state")).to_have_attribute("data-state", "approved")
    expect(chief.locator("#issue-form")).to_be_visible()
    chief.context.close()

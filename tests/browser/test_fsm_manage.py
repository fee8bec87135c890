"""The FSM manager keeps the fee table from a 360 px phone: adds a slab,
tries it in the estimate preview, and deletes it again; the master-data
forms fit the small screen.

The live server reads only committed data; a slab left behind by a failed
run is removed by ``manage.py shell`` in a fresh process."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_fsm_staff import HOST, SCHEMA, fits_the_screen, staff_page
from tests.support.cleanup import manage

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BASE = "4321"
_CLEANUP = """
from django_tenants.utils import schema_context
from backoffice.fsm.models import FeeSlab
with schema_context(%(schema)r):
    FeeSlab.objects.filter(property_type="commercial", base_amount=%(base)s).delete()
"""


@pytest.fixture
def no_test_slab(live_portal):
    yield
    result = manage("shell", "-c", _CLEANUP % {"schema": SCHEMA, "base": BASE})
    assert result.returncode == 0, result.stderr


def test_manager_keeps_the_fee_table_on_a_phone(browser, url, no_test_slab):
    page = staff_page(browser, url, "fsm_manager", phone=True)
    page.goto(url(HOST, "/staff/fsm/manage/"))
    fits_the_screen(page)
    page.get_by_role("link", name="Fee slabs").click()
    page.get_by_role("link", name="Add a fee slab").click()
    fits_the_screen(page)
    form = page.locator("#manage-form")
    form.locator("[name=property_type]").select_option("commercial")
    form.locator("[name=low_income]").select_option("false")
    form.locator("[name=base_amount]").fill(BASE)
    form.locator("[name=per_m3_amount]").fill("100")
    form.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(HOST, "/staff/fsm/manage/settings/fees/"))
    expect(page.locator("#slabs")).to_contain_text("4,321.00")
    fits_the_screen(page)

    # 4321 + 100 x 4 m³: the commercial slab for other households wins
    preview = page.locator("#preview")
    preview.locator("[name=property_type]").select_option("commercial")
    preview.locator("[name=volume_m3]").fill("4")
    preview.locator("[name=trips]").fill("1")
    preview.get_by_role("button", name="Estimate").click()
    expect(page.locator("#estimate")).to_contain_text("4,721.00")
    box = page.get_by_role("button", name="Estimate").bounding_box()
    assert box["height"] >= 44  # a thumb-sized target

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fsm-manage-fees-phone.png"), full_page=True)
    row = page.locator("#slabs tr", has_text="4,321.00")
    row.get_by_role("button", name="Delete").click()
    expect(page.locator("#slabs")).not_to_contain_text("4,321.00")

    for path in ("/staff/fsm/manage/providers/new/", "/staff/fsm/manage/settings/sla/"):
        page.goto(url(HOST, path))
        expect(page.locator("#manage-form")).to_be_visible()
        fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "fsm-manage-sla-phone.png"), full_page=True)
    page.context.close()

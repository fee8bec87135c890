"""A citizen's phone, in Bangla, looks up the holding's bills by holding code
(Bangla digits), pays one online through the gateway simulator's hosted
page, lands on our status page with a receipt number and downloads the
signed receipt.
The bill is committed from a separate process (tests/backoffice/payments/live.py)."""

import pytest
from playwright.sync_api import expect

from tests.backoffice.payments.live import committed_bills
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def bills(live_portal, payment_simulator):
    yield from committed_bills(1)


@pytest.fixture
def bn_page(browser, request):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="bn-BD",
        extra_http_headers={"Accept-Language": "bn"},
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_a_citizen_pays_a_bill_in_bangla(bills, bn_page, url, payment_simulator):
    payment_simulator.reset()
    number = bills["khulna"][0]
    page = bn_page
    # The citizen looks the holding up in Bangla digits and picks the bill.
    page.goto(url("khulna.localhost", "/bn/pay/"))
    page.locator("input[name=holding_code]").fill("০১-০৮৮-০০০১-০০")
    page.get_by_role("button", name="বিল খুঁজুন").click()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    page.get_by_role("link", name="অনলাইনে পরিশোধ করুন").click()
    expect(page.get_by_role("heading", name="বিল পরিশোধ")).to_be_visible()
    expect(page.locator("#outstanding")).to_contain_text("১,২৩৪.৫০")
    page.get_by_label("SSLCommerz").check()
    page.get_by_role("button", name="অনলাইনে পরিশোধ করুন").click()
    # The gateway's hosted page (the simulator), then back to the portal.
    expect(page.locator("#amount")).to_contain_text("1234.50 BDT")
    page.get_by_role("button", name="Pay").click()
    expect(page.locator("#state")).to_have_attribute("data-state", "paid")
    expect(page.locator("#state")).to_contain_text("আপনার পরিশোধ গৃহীত হয়েছে।")
    expect(page.locator("#receipt")).to_contain_text("R-")
    assert "/payments/status/" in page.url
    # The signed receipt downloads from the status page (fetched by the
    # browser itself: only Chromium resolves *.localhost).
    status, kind, head = page.evaluate(
        """async () => {
            const r = await fetch(document.getElementById("receipt-pdf").href);
            const bytes = new Uint8Array(await r.arrayBuffer()).slice(0, 5);
            return [r.status, r.headers.get("content-type"), String.fromCharCode(...bytes)];
        }"""
    )
    assert (status, kind, head) == (200, "application/pdf", "%PDF-")
    # The bill now has nothing left to pay.
    page.goto(url("khulna.localhost", f"/payments/pay/{number}/"))
    expect(page.get_by_text("এই বিলটি পরিশোধিত।")).to_be_visible()

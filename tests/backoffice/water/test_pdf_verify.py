"""Water bills on the public verification page /bills/verify/<NUMBER>/:
figures, paid or not, no personal data, the form takes water numbers in
Bangla digits, another municipality does not know the number."""

from decimal import Decimal

from django_tenants.utils import schema_context

from backoffice.payments import services as payments
from backoffice.water import runs
from tests.backoffice.water.bill_pdf_support import (
    HOLDING,
    OWNER_BN,
    OWNER_EN,
    OWNER_PHONE,
    water_a,
)
from tests.conftest import staff_user

__all__ = ["water_a"]  # a fixture


def test_figures_unpaid_then_paid_and_no_personal_data(water_a, tenant_a, client_a):
    bill = water_a["november"]
    url = f"/bills/verify/{bill.number}/"
    response = client_a.get(url, REMOTE_ADDR="10.1.0.1")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    for expected in (
        bill.number,
        HOLDING,
        water_a["metered"].number,
        "Water bill",
        "November 2026",
        "85.00",  # current charges
        "412.50",  # arrears
        "497.50",
        "15 December 2026",
        "is valid",
        "Not paid",
    ):
        assert expected in html, expected
    for secret in (OWNER_EN, OWNER_BN, OWNER_PHONE, water_a["building"].bin, "M-01-001-0007-00"):
        assert secret not in html, secret
    with schema_context(tenant_a.schema_name):
        payments.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"), bill=bill, amount=Decimal("497.50")
        )
    html = client_a.get(url, REMOTE_ADDR="10.1.0.1").content.decode()
    assert "Paid" in html and "Not paid" not in html


def test_bangla_page_and_typed_number_in_bangla_digits(water_a, client_a):
    number = water_a["november"].number
    typed = number.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")).lower()
    response = client_a.get("/bills/verify/", {"number": f" {typed} "})
    assert response.status_code == 302 and response["Location"] == f"/bills/verify/{number}/"
    client_a.cookies["django_language"] = "bn"
    html = client_a.get(response["Location"], REMOTE_ADDR="10.1.0.2").content.decode()
    assert "০১-০০১-০০০৭-০০" in html and "৪৯৭.৫০" in html


def test_a_cancelled_water_bill_says_so(water_a, tenant_a, client_a):
    with schema_context(tenant_a.schema_name):
        cancellation = runs.water_bill_cancel(
            actor=staff_user(tenant_a, "revenue_chief"), bill=water_a["november"], reason="test"
        )
    html = client_a.get(f"/bills/verify/{water_a['november'].number}/").content.decode()
    assert "cancelled" in html and cancellation.number in html
    html = client_a.get(f"/bills/verify/{cancellation.number}/").content.decode()
    assert "Cancellation of a water bill" in html


def test_other_municipality_and_unknown_numbers_are_404(water_a, client_a, client_b):
    number = water_a["november"].number
    assert client_b.get(f"/bills/verify/{number}/", REMOTE_ADDR="10.1.0.3").status_code == 404
    assert client_a.get("/bills/verify/W202611-999999/").status_code == 404
    assert client_a.get("/bills/verify/W" + "9" * 30 + "/").status_code == 404

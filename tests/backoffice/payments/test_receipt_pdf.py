"""Receipts as signed bilingual PDFs (billing's signing identity): the
figures in both languages, pdfsig validates it, a changed byte breaks it; a
cancelled receipt says so; the customer downloads theirs by transaction."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.payments import services
from backoffice.payments.models import PaymentTransaction
from tests.backoffice.billing.pdf_support import pdf_text, pdfsig
from tests.backoffice.payments.factories import bill_make
from tests.conftest import login, staff_user


@pytest.fixture
def paid_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        if signing.signing_identity_active() is None:
            signing.demo_identity_ensure(tenant_a)
        bill = bill_make(total=Decimal("123456.50"))
        payment = services.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"),
            bill=bill,
            amount=Decimal("123456.50"),
            payer_name="Rahima Begum",
        )
        anchor = signing.trust_anchor_pem(signing.signing_identity_active())
    return {"bill": bill, "payment": payment, "anchor": anchor}


def test_signed_bilingual_receipt(tenant_a, client_a, paid_a):
    payment = paid_a["payment"]
    login(client_a, tenant_a, "revenue_collector")
    page = client_a.get(f"/staff/payments/receipts/{payment.receipt_number}/")
    assert "Signed receipt (PDF)" in page.content.decode()
    response = client_a.get(f"/staff/payments/receipts/{payment.receipt_number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    text = pdf_text(data)
    assert "Money receipt" in text and payment.receipt_number in text
    assert "1,23,456.50" in text and "১,২৩,৪৫৬.৫০" in text  # lakh grouping, both scripts
    assert paid_a["bill"].number in text and "Khulna City Corporation" in text
    report = pdfsig(data, [paid_a["anchor"]])
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    position = data.index(b"stream") + 20
    tampered = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    assert "Signature is Valid." not in pdfsig(tampered, [paid_a["anchor"]])


def test_a_cancelled_receipt_says_so(tenant_a, client_a, paid_a):
    with schema_context(tenant_a.schema_name):
        cancellation = services.receipt_cancel(
            actor=staff_user(tenant_a, "revenue_chief"),
            payment=paid_a["payment"],
            reason="cheque bounced",
        )
    login(client_a, tenant_a, "revenue_chief")
    number = paid_a["payment"].receipt_number
    text = pdf_text(client_a.get(f"/staff/payments/receipts/{number}/pdf/").content)
    assert f"Cancelled by document {cancellation.number}" in text


def test_the_customer_downloads_the_receipt_by_transaction(tenant_a, client_a, client_b):
    with schema_context(tenant_a.schema_name):
        if signing.signing_identity_active() is None:
            signing.demo_identity_ensure(tenant_a)
        bill = bill_make(total=Decimal("500.00"))
        tran = PaymentTransaction.objects.create(
            bill=bill, gateway="sslcommerz", tran_id="IMISPDF1", amount=Decimal("500.00")
        )
        url = "/payments/status/IMISPDF1/receipt.pdf"
        assert client_a.get(url, follow=True).status_code == 404  # not paid yet
        services._settle_record(
            tran_pk=tran.pk,
            verdict=services.Verdict(
                status="paid", tran_id="IMISPDF1", amount=Decimal("500.00"), currency="BDT"
            ),
            source="test",
        )
    status_page = client_a.get("/payments/status/IMISPDF1/").content.decode()
    assert "receipt-pdf" in status_page
    response = client_a.get(url)
    assert response.status_code == 200 and b"%PDF" in response.content[:8]
    assert "500.00" in pdf_text(response.content)
    assert client_b.get(url, follow=True).status_code == 404  # not on the other host

"""Water bills are paid like holding-tax bills: counter payments (partial,
never more than outstanding), online transactions against the gateway
simulator, consecutive receipts shared with holding tax, signed receipts
that name the connection; a payment is for exactly one bill; the staff
search finds water receipts; the other municipality sees none of it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.payments import selectors, services
from backoffice.payments.documents import document_by_number
from backoffice.payments.models import Payment, PaymentTransaction
from tests.backoffice.billing.pdf_support import pdf_text
from tests.backoffice.payments.factories import bill_make, water_bill_make
from tests.conftest import login, staff_user
from tests.support.payments import sslcommerz_callbacks

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(tenant_a, settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    with schema_context(tenant_a.schema_name):
        yield tenant_a


def test_counter_payments_on_a_water_bill(in_a):
    collector = staff_user(in_a, "revenue_collector")
    water = water_bill_make(total=Decimal("850.00"))
    tax = bill_make(total=Decimal("100.00"))
    assert document_by_number(water.number) == water
    assert document_by_number(tax.number) == tax
    first = services.counter_payment_record(actor=collector, bill=water, amount=Decimal("350"))
    second = services.counter_payment_record(actor=collector, bill=tax, amount=Decimal("100"))
    assert first.water_bill_id == water.pk and first.bill_id is None
    assert first.document == water and second.document == tax
    assert selectors.bill_outstanding(water) == Decimal("500.00")
    assert selectors.bill_paid_amount(tax) == Decimal("100.00")  # no mixing of the two
    with pytest.raises(ValidationError):
        services.counter_payment_record(actor=collector, bill=water, amount=Decimal("500.01"))
    services.counter_payment_record(actor=collector, bill=water, amount=Decimal("500"))
    assert selectors.bill_is_paid(water)
    # One receipt sequence for the municipality, whatever was paid.
    assert [p.receipt_seq for p in Payment.objects.order_by("receipt_seq")] == [1, 2, 3]


def test_a_payment_is_for_exactly_one_bill(in_a):
    water, tax = water_bill_make(), bill_make()
    payment = services.counter_payment_record(
        actor=staff_user(in_a, "revenue_collector"), bill=water, amount=Decimal("1")
    )
    for bill_id, water_id in ((tax.pk, water.pk), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(bill_id=bill_id, water_bill_id=water_id)


def test_online_payment_of_a_water_bill_through_the_simulator(in_a, payment_simulator):
    payment_simulator.reset()
    payment_simulator.set(ipn="none")  # settled by asking the gateway, as reconciliation does
    urls = sslcommerz_callbacks("khulna.localhost")
    water = water_bill_make(total=Decimal("640.00"))
    tran = services.transaction_initiate(bill=water, gateway="sslcommerz", urls_for=lambda _t: urls)
    assert tran.state == PaymentTransaction.State.PENDING
    assert tran.water_bill_id == water.pk and tran.amount == Decimal("640.00")
    payment_simulator.choose(tran.redirect_url)
    settled = services.transaction_reconcile(tran_id=tran.tran_id)
    again = services.transaction_reconcile(tran_id=tran.tran_id)
    assert settled.outcome == "paid" and again.outcome == "already_paid"
    assert Payment.objects.filter(water_bill=water).count() == 1
    assert selectors.bill_is_paid(water)
    payment_simulator.reset()


def test_water_receipt_pages_and_pdf(in_a, client_a):
    if signing.signing_identity_active() is None:
        signing.demo_identity_ensure(in_a)
    water = water_bill_make(total=Decimal("90.00"))
    payment = services.counter_payment_record(
        actor=staff_user(in_a, "revenue_collector"), bill=water, amount=Decimal("90")
    )
    connection_number = water.connection.number
    login(client_a, in_a, "revenue_collector")
    counter = client_a.get("/staff/payments/counter/", {"bill": water.number}).content.decode()
    assert connection_number in counter and "Connection" in counter
    search = client_a.get("/staff/payments/", {"q": connection_number}).content.decode()
    assert payment.receipt_number in search
    receipt = client_a.get(f"/staff/payments/receipts/{payment.receipt_number}/")
    assert connection_number in receipt.content.decode()
    pdf = client_a.get(f"/staff/payments/receipts/{payment.receipt_number}/pdf/")
    text = pdf_text(pdf.content)
    assert connection_number in text and "Water connection" in text


def test_the_other_municipality_cannot_pay_or_find_it(in_a, tenant_b, client_b):
    water = water_bill_make()
    login(client_b, tenant_b, "revenue_collector")
    page = client_b.get("/staff/payments/counter/", {"bill": water.number}).content.decode()
    assert water.connection.number not in page
    assert client_b.get(f"/payments/pay/{water.number}/", follow=True).status_code == 404


def test_only_the_latest_bill_is_paid_the_newer_one_carries_the_rest(in_a, client_a):
    collector = staff_user(in_a, "revenue_collector")
    older = bill_make(code="01-077-0009-00", total=Decimal("300.00"))
    newer = bill_make(code="01-077-0009-00", total=Decimal("650.00"), quarter=2)
    with pytest.raises(ValidationError) as refused:
        services.counter_payment_record(actor=collector, bill=older, amount=Decimal("10"))
    assert newer.number in refused.value.messages[0]
    services.counter_payment_record(actor=collector, bill=newer, amount=Decimal("10"))
    page = client_a.get(f"/payments/pay/{older.number}/", follow=True).content.decode()
    assert f"/payments/pay/{newer.number}/" in page and "carried into bill" in page
    water_old = water_bill_make(total=Decimal("90.00"), month=10)
    water_new = water_bill_make(total=Decimal("95.00"), month=11)
    assert water_old.connection_id != water_new.connection_id  # other connections: both payable
    services.counter_payment_record(actor=collector, bill=water_old, amount=Decimal("90"))


def test_a_water_bill_with_receipts_is_not_cancelled_until_they_are(in_a):
    from backoffice.water.runs import water_bill_cancel

    chief = staff_user(in_a, "revenue_chief")
    water = water_bill_make(total=Decimal("120.00"))
    payment = services.counter_payment_record(
        actor=staff_user(in_a, "revenue_collector"), bill=water, amount=Decimal("20")
    )
    with pytest.raises(ValidationError) as refused:
        water_bill_cancel(actor=chief, bill=water, reason="meter misread")
    assert "valid receipt" in refused.value.messages[0]
    services.receipt_cancel(actor=chief, payment=payment, reason="to cancel the bill")
    cancellation = water_bill_cancel(actor=chief, bill=water, reason="meter misread")
    assert cancellation.replaces_id == water.pk

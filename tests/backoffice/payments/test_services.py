"""Counter payments, receipts and their cancellation, the forward-only
transaction table and the paid selectors (in-process, no gateway)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.payments import selectors, services
from backoffice.payments.models import Payment, PaymentTransaction, ReceiptCancellation
from tenants.audit.models import AuditEvent
from tenants.roles import ROLE_SLUGS
from tests.backoffice.payments.factories import YEAR, bill_make
from tests.conftest import staff_user

State = PaymentTransaction.State


def test_transitions_only_move_forward():
    assert services.transition_allowed(State.INITIATED, State.PENDING)
    assert services.transition_allowed(State.PENDING, State.PAID)
    for final in (State.PAID, State.FAILED, State.CANCELLED):
        for other in State:
            assert not services.transition_allowed(final, other)
    assert not services.transition_allowed(State.PENDING, State.INITIATED)


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield tenant_a


def test_partial_counter_payments_and_consecutive_receipts(in_a):
    collector = staff_user(in_a, "revenue_collector")
    bill = bill_make(total=Decimal("1000.00"))
    other = bill_make(code="01-077-0002-00", total=Decimal("50.00"))
    first = services.counter_payment_record(actor=collector, bill=bill, amount=Decimal("400"))
    assert selectors.bill_paid_amount(bill) == Decimal("400.00")
    assert selectors.bill_outstanding(bill) == Decimal("600.00")
    assert not selectors.bill_is_paid(bill)
    second = services.counter_payment_record(actor=collector, bill=other, amount=Decimal("50"))
    third = services.counter_payment_record(
        actor=collector, bill=bill, amount=Decimal("600.00"), payer_name="Rahima"
    )
    assert selectors.bill_is_paid(bill) and selectors.bill_is_paid(other)
    year = first.receipt_year
    assert [p.receipt_number for p in (first, second, third)] == [
        f"R-{year}-{n:06d}" for n in (1, 2, 3)
    ]
    with pytest.raises(ValidationError):  # nothing left to pay
        services.counter_payment_record(actor=collector, bill=bill, amount=Decimal("0.01"))
    assert AuditEvent.objects.filter(action="payments.counter_payment").count() == 3


def test_counter_payment_checks(in_a):
    bill = bill_make(total=Decimal("100.00"))
    collector = staff_user(in_a, "revenue_collector")
    for amount in (Decimal("0"), Decimal("-1"), Decimal("100.01")):
        with pytest.raises(ValidationError):
            services.counter_payment_record(actor=collector, bill=bill, amount=amount)
    for role in set(ROLE_SLUGS) - set(services.COUNTER_ROLES):
        with pytest.raises(PermissionDenied):
            services.counter_payment_record(
                actor=staff_user(in_a, role), bill=bill, amount=Decimal("1")
            )
    assert not Payment.objects.exists()


def test_receipt_cancellation_is_a_new_document_by_the_chief_only(in_a):
    bill = bill_make(total=Decimal("300.00"))
    payment = services.counter_payment_record(
        actor=staff_user(in_a, "revenue_collector"), bill=bill, amount=Decimal("300")
    )
    for role in set(ROLE_SLUGS) - {"revenue_chief"}:
        with pytest.raises(PermissionDenied):
            services.receipt_cancel(actor=staff_user(in_a, role), payment=payment, reason="x")
    chief = staff_user(in_a, "revenue_chief")
    with pytest.raises(ValidationError):
        services.receipt_cancel(actor=chief, payment=payment, reason="  ")
    cancellation = services.receipt_cancel(actor=chief, payment=payment, reason="cheque bounced")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and payment.amount == Decimal("300.00")
    assert cancellation.number == f"RC-{payment.receipt_year}-000001"
    assert selectors.bill_outstanding(bill) == Decimal("300.00")
    with pytest.raises(ValidationError):
        services.receipt_cancel(actor=chief, payment=payment, reason="again")
    assert ReceiptCancellation.objects.count() == 1
    # The next receipt continues the receipt sequence without a gap.
    again = services.counter_payment_record(actor=chief, bill=bill, amount=Decimal("300"))
    assert again.receipt_seq == payment.receipt_seq + 1


def test_one_payment_per_transaction_and_unique_gateway_ids(in_a):
    bill = bill_make()
    common = {"bill": bill, "gateway": "sslcommerz", "amount": Decimal("1500.00")}
    tran = PaymentTransaction.objects.create(tran_id="T1", gateway_tran_id="G1", **common)
    with transaction.atomic(), pytest.raises(IntegrityError):
        PaymentTransaction.objects.create(tran_id="T2", gateway_tran_id="G1", **common)
    first = services._payment_create(bill=bill, amount=tran.amount, method="online", tran=tran)
    with pytest.raises(ValidationError):
        services._payment_create(bill=bill, amount=tran.amount, method="online", tran=tran)
    fields = {"bill": bill, "method": "online", "amount": tran.amount, "transaction": tran}
    with transaction.atomic(), pytest.raises(IntegrityError):  # the database's own guard
        Payment.objects.create(
            receipt_year=first.receipt_year,
            receipt_seq=99,
            receipt_number="R-x-99",
            received_at=first.received_at,
            **fields,
        )


def test_tenants_number_receipts_separately(tenant_a, tenant_b):
    numbers = []
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            bill = bill_make(total=Decimal("10.00"))
            payment = services.counter_payment_record(
                actor=staff_user(tenant, "revenue_collector"), bill=bill, amount=Decimal("10")
            )
            numbers.append(payment.receipt_number)
            assert Payment.objects.count() == 1
    assert numbers[0] == numbers[1] and numbers[0].endswith("-000001")
    assert bill.number.startswith(f"{YEAR}-Q1-")


def test_a_held_payment_is_released_by_the_chief_only(in_a):
    bill = bill_make(total=Decimal("80.00"))
    tran = PaymentTransaction.objects.create(
        bill=bill,
        gateway="sslcommerz",
        tran_id="IMISHELD",
        amount=Decimal("80.00"),
        state=State.PENDING,
        held_for_review=True,
        risk_level=1,
    )
    with pytest.raises(PermissionDenied):
        services.transaction_review_release(actor=staff_user(in_a, "revenue_collector"), tran=tran)
    settlement = services.transaction_review_release(
        actor=staff_user(in_a, "revenue_chief"), tran=tran
    )
    tran.refresh_from_db()
    assert settlement.outcome == "paid" and tran.state == State.PAID
    assert not tran.held_for_review and selectors.bill_is_paid(bill)
    with pytest.raises(ValidationError):
        services.transaction_review_release(actor=staff_user(in_a, "revenue_chief"), tran=tran)


def test_the_early_payment_rebate_until_the_due_date(in_a):
    collector = staff_user(in_a, "revenue_collector")
    bill = bill_make(total=Decimal("1000.00"), rebate=Decimal("100.00"))  # due in 2031
    after = bill.due_on + datetime.timedelta(days=1)
    assert selectors.bill_outstanding(bill) == Decimal("900.00")
    assert selectors.bill_outstanding(bill, on=after) == Decimal("1000.00")
    with pytest.raises(ValidationError):  # more than what is due with the rebate
        services.counter_payment_record(actor=collector, bill=bill, amount=Decimal("900.01"))
    services.counter_payment_record(actor=collector, bill=bill, amount=Decimal("400"))
    assert not selectors.bill_is_paid(bill)
    services.counter_payment_record(actor=collector, bill=bill, amount=Decimal("500"))
    assert selectors.bill_is_paid(bill)  # paid with the rebate by the due date: for good
    assert selectors.bill_outstanding(bill, on=after) == Decimal("0.00")
    late = bill_make(code="01-077-0003-00", total=Decimal("1000.00"), rebate=Decimal("100"))
    Payment.objects.create(
        bill=late,
        method="counter",
        amount=Decimal("900.00"),
        receipt_year=2032,
        receipt_seq=1,
        receipt_number="R-2032-000001",
        received_at=timezone.make_aware(datetime.datetime.combine(after, datetime.time(10))),
    )
    assert not selectors.bill_is_paid(late)  # paid after the due date: no rebate
    assert selectors.bill_outstanding(late, on=after) == Decimal("100.00")


def test_a_counter_payment_during_an_online_one_is_flagged_as_overpaid(in_a):
    bill = bill_make(total=Decimal("100.00"))
    tran = PaymentTransaction.objects.create(
        bill=bill, gateway="ekpay", tran_id="IMISOVER", amount=Decimal("100.00"), state="pending"
    )
    services.counter_payment_record(
        actor=staff_user(in_a, "revenue_collector"), bill=bill, amount=Decimal("40")
    )
    verdict = services.Verdict(
        status="paid", tran_id="IMISOVER", amount=Decimal("100.00"), currency="BDT"
    )
    settlement = services._settle_record(tran_pk=tran.pk, verdict=verdict, source="test")
    assert settlement.outcome == "paid" and selectors.bill_paid_amount(bill) == Decimal("140")
    flagged = AuditEvent.objects.get(action="payments.overpaid")
    assert flagged.data == {"bill": bill.number, "over": "40.00"}

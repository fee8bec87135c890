"""Arrears are what is still owed on the previous bill, net of real counter
payments (payments' service), under payments' rebate rule; the issue SQL
agrees with payments' own selectors, and holding_balance with
bill_outstanding."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.billing import services
from backoffice.billing.calculation import owed
from backoffice.billing.models import Bill, BillingPeriod
from backoffice.billing.selectors import holding_balance
from backoffice.payments.selectors import (
    bill_is_paid,
    bill_outstanding,
    bill_paid_amount,
    bill_paid_by_due_date,
)
from backoffice.payments.services import counter_payment_record, receipt_cancel
from backoffice.registry.models import Holding
from tests.backoffice.billing.test_services import billing_sample
from tests.conftest import staff_user

CODE = "01-001-0003-00"  # residential, 24000 a year: 1020.00 a quarter, rebate 10 %
PAST = timezone.localdate().year - 2  # its due dates are over
NEXT = timezone.localdate().year + 1


def issue(tenant, year, quarter, due_on=None):
    """Prepare, approve and issue a run; ``due_on`` defaults to the quarter's end."""
    month = 3 * (quarter - 1) + 1
    period = BillingPeriod.objects.create(
        year=year,
        quarter=quarter,
        starts_on=datetime.date(year, month, 1),
        ends_on=datetime.date(year, month + 2, 28),
        due_on=due_on or datetime.date(year, month + 2, 28),
    )
    run = services.bill_run_prepare(actor=staff_user(tenant, "revenue_collector"), period=period)
    run = services.bill_run_approve(actor=staff_user(tenant, "revenue_chief"), run=run)
    return services.bill_run_issue(run_id=run.pk)


def bill_of(run, code=CODE) -> Bill:
    return Bill.objects.get(run=run, holding__code=code, kind=Bill.Kind.BILL)


def pay(tenant, bill, amount):
    return counter_payment_record(
        actor=staff_user(tenant, "revenue_collector"), bill=bill, amount=Decimal(amount)
    )


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        billing_sample(staff_user(tenant_a, "gis_officer"))
        yield tenant_a


def test_full_payment_leaves_no_arrears(in_a):
    first = bill_of(issue(in_a, PAST, 3))
    assert holding_balance(first.holding) == Decimal("1020.00")
    pay(in_a, first, "1020.00")
    assert holding_balance(first.holding) == 0
    second = bill_of(issue(in_a, PAST, 4))
    assert (second.arrears, second.surcharge, second.total) == (0, 0, Decimal("1020.00"))


def test_partial_payment_carries_the_rest_with_surcharge_on_it(in_a):
    first = bill_of(issue(in_a, PAST, 3))
    pay(in_a, first, "300.00")
    pay(in_a, first, "200.00")
    assert holding_balance(first.holding) == Decimal("520.00")
    second = bill_of(issue(in_a, PAST, 4))
    # 5 % surcharge on the 520.00 still owed, not on the 1020.00 billed.
    assert (second.arrears, second.surcharge, second.total) == (
        Decimal("520.00"),
        Decimal("26.00"),
        Decimal("1566.00"),
    )
    assert holding_balance(second.holding) == Decimal("1566.00")
    # The third bill carries only the second's (which already includes the first's).
    pay(in_a, second, "1000.00")
    third = bill_of(issue(in_a, PAST + 1, 1))
    assert third.arrears == Decimal("566.00")


def test_paid_in_the_rebate_window_is_settled(in_a):
    due = timezone.localdate() + datetime.timedelta(days=20)
    first = bill_of(issue(in_a, NEXT, 1, due_on=due))
    # Up to the due date the rebate (102.00) is off what is due.
    assert holding_balance(first.holding) == Decimal("918.00")
    assert holding_balance(first.holding, on=due + datetime.timedelta(days=1)) == Decimal("1020.00")
    pay(in_a, first, "918.00")
    assert holding_balance(first.holding) == 0
    assert holding_balance(first.holding, on=due + datetime.timedelta(days=40)) == 0
    second = bill_of(issue(in_a, NEXT, 2))
    assert (second.arrears, second.surcharge) == (0, 0)


def test_a_paisa_short_in_the_rebate_window_owes_the_rest_without_rebate(in_a):
    due = timezone.localdate() + datetime.timedelta(days=20)
    first = bill_of(issue(in_a, NEXT, 1, due_on=due))
    pay(in_a, first, "917.99")
    assert holding_balance(first.holding) == Decimal("0.01")
    second = bill_of(issue(in_a, NEXT, 2))
    assert (second.arrears, second.surcharge) == (Decimal("102.01"), Decimal("5.10"))


def test_a_cancelled_receipt_is_owed_again(in_a):
    first = bill_of(issue(in_a, PAST, 3))
    payment = pay(in_a, first, "1020.00")
    receipt_cancel(actor=staff_user(in_a, "revenue_chief"), payment=payment, reason="bounced")
    assert holding_balance(first.holding) == Decimal("1020.00")
    second = bill_of(issue(in_a, PAST, 4))
    assert (second.arrears, second.surcharge) == (Decimal("1020.00"), Decimal("51.00"))


def test_issue_sql_agrees_with_payments_selectors(in_a):
    """Every holding, different payments: the SQL's arrears are payments'
    view of the previous bill, and holding_balance is bill_outstanding."""
    due = timezone.localdate() + datetime.timedelta(days=10)
    run = issue(in_a, NEXT, 1, due_on=due)
    amounts = {"01-001-0003-00": "918.00", "01-001-0002-00": "0.10", "01-001-0004-00": None}
    for code, amount in amounts.items():
        if amount:
            pay(in_a, bill_of(run, code), amount)
    for bill in Bill.objects.filter(run=run):
        assert holding_balance(bill.holding) == bill_outstanding(bill), bill.holding.code
    nxt = issue(in_a, NEXT, 2)
    for bill in Bill.objects.filter(run=run):
        expected = owed(
            total=bill.total,
            rebate=bill.rebate,
            paid=bill_paid_amount(bill),
            paid_by_due_date=bill_paid_by_due_date(bill),
        )
        assert (expected == 0) is bill_is_paid(bill)
        assert bill_of(nxt, bill.holding.code).arrears == expected, bill.holding.code


def test_no_bill_no_balance(in_a):
    assert holding_balance(Holding.objects.get(code=CODE)) == 0


def test_a_bill_with_receipts_is_not_cancelled_or_corrected_until_they_are(in_a):
    from django.core.exceptions import ValidationError

    chief = staff_user(in_a, "revenue_chief")
    first = bill_of(issue(in_a, PAST, 3))
    payment = pay(in_a, first, "500.00")
    for change in (
        lambda: services.bill_correct(actor=chief, bill=first, reason="survey"),
        lambda: services.bill_cancel(actor=chief, bill=first, reason="duplicate"),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        assert "valid receipt" in refused.value.messages[0]
    first.refresh_from_db()
    assert first.status == Bill.Status.ISSUED
    receipt_cancel(actor=chief, payment=payment, reason="to correct the bill")
    correction = services.bill_correct(actor=chief, bill=first, reason="survey")
    assert correction.kind == Bill.Kind.CORRECTION
    assert holding_balance(first.holding) == correction.total

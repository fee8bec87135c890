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


# --- a payment of an older bill confirmed after the newer one was issued ---
#
# Only the latest bill is payable, but an online payment started on a bill
# while it was the latest can be confirmed (IPN, reconciliation) after the
# next run issued a newer bill, whose arrears already include that amount.
# The payment is credited to the older bill; it then counts as paid towards
# the newer one (its balance, dues and the next bill's arrears), once.


def online_started(bill, amount, tran_id):
    """A gateway transaction opened while ``bill`` was the latest (pending)."""
    from backoffice.payments.models import PaymentTransaction

    return PaymentTransaction.objects.create(
        bill=bill, gateway="sslcommerz", tran_id=tran_id, amount=Decimal(amount), state="pending"
    )


def confirmed(tran):
    """The gateway's validated IPN, recorded by payments' own service."""
    from backoffice.payments import services as payments

    verdict = payments.Verdict(
        status="paid", tran_id=tran.tran_id, amount=tran.amount, currency="BDT"
    )
    settlement = payments._settle_record(tran_pk=tran.pk, verdict=verdict, source="ipn")
    assert settlement.outcome == "paid"
    return settlement.payment


def dues_of(code):
    from backoffice.billing import dues

    rows = [row for row in dues.dues_page(size=500).rows if row.code == code]
    wards = dues.dues_by_ward()
    return (rows[0].outstanding if rows else Decimal("0.00")), sum(
        (w.outstanding for w in wards), Decimal("0.00")
    )


def map_owed(holding) -> Decimal:
    """The tax-due map layer's figure for the holding's building (the layer
    has no rebate: its dues are past the due date here)."""
    from django.db import connection

    from backoffice.payments.layers import _BALANCE
    from backoffice.registry.models import BuildingHolding
    from tests.backoffice.registry.factories import building_make

    link = BuildingHolding.objects.filter(holding=holding).first()
    if link is None:
        link = BuildingHolding.objects.create(
            building=building_make(ward=1, index=77), holding=holding
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_BALANCE} FROM registry_building t WHERE t.id = %s",  # noqa: S608
            [link.building_id],
        )
        return Decimal(str(cursor.fetchone()[0])).quantize(Decimal("0.01"))


def everyone_agrees(holding, latest, expected):
    """holding_balance, bill_outstanding of the latest bill, the dues list
    and the ward totals (this holding is the only one that owes), and the
    tax-due map."""
    assert holding_balance(holding) == expected
    assert bill_outstanding(latest) == expected
    assert dues_of(holding.code) == (expected, expected)
    assert map_owed(holding) == expected


def issue_paid(tenant, year, quarter):
    """Issue a run; everyone but CODE pays its bill in full at the counter."""
    run = issue(tenant, year, quarter)
    for bill in Bill.objects.filter(run=run, kind=Bill.Kind.BILL).exclude(holding__code=CODE):
        left = bill_outstanding(bill)
        if left > 0:
            pay(tenant, bill, left)
    return run


def test_an_older_bill_paid_after_the_newer_was_issued(in_a):
    first = bill_of(issue_paid(in_a, PAST, 3))
    tran = online_started(first, "1020.00", "IMISLATE1")
    second = bill_of(issue_paid(in_a, PAST, 4))
    # Issued before the payment was confirmed: the first bill's 1020.00 is in it.
    assert (second.arrears, second.surcharge, second.total) == (
        Decimal("1020.00"),
        Decimal("51.00"),
        Decimal("2091.00"),
    )
    everyone_agrees(first.holding, second, Decimal("2091.00"))
    confirmed(tran)
    assert bill_is_paid(first) and bill_paid_amount(first) == Decimal("1020.00")
    # The money counts towards the newer bill: 2091.00 - 1020.00.
    assert bill_paid_amount(second) == 0
    assert not bill_is_paid(second)
    everyone_agrees(first.holding, second, Decimal("1071.00"))
    third = bill_of(issue_paid(in_a, PAST + 1, 1))
    assert (third.arrears, third.surcharge) == (Decimal("1071.00"), Decimal("53.55"))
    everyone_agrees(first.holding, third, third.total)
    # Subtracted once: after the third is paid in full, the fourth carries nothing.
    pay(in_a, third, third.total)
    everyone_agrees(first.holding, third, Decimal("0.00"))
    fourth = bill_of(issue_paid(in_a, PAST + 1, 2))
    assert (fourth.arrears, fourth.surcharge, fourth.total) == (0, 0, Decimal("1020.00"))


def test_a_partial_late_payment_leaves_the_rest_owed(in_a):
    first = bill_of(issue_paid(in_a, PAST, 3))
    pay(in_a, first, "100.00")  # before the newer bill: in its arrears already
    tran = online_started(first, "600.00", "IMISLATE2")
    second = bill_of(issue_paid(in_a, PAST, 4))
    assert (second.arrears, second.surcharge) == (Decimal("920.00"), Decimal("46.00"))
    confirmed(tran)
    assert not bill_is_paid(first)
    everyone_agrees(first.holding, second, second.total - Decimal("600.00"))
    pay(in_a, second, "200.00")
    everyone_agrees(first.holding, second, second.total - Decimal("800.00"))
    third = bill_of(issue_paid(in_a, PAST + 1, 1))
    assert third.arrears == second.total - Decimal("800.00")


def test_a_payment_before_the_newer_bill_is_not_counted_twice(in_a):
    first = bill_of(issue_paid(in_a, PAST, 3))
    confirmed(online_started(first, "400.00", "IMISEARLY"))
    second = bill_of(issue_paid(in_a, PAST, 4))
    assert second.arrears == Decimal("620.00")
    everyone_agrees(first.holding, second, second.total)
    third = bill_of(issue_paid(in_a, PAST + 1, 1))
    assert third.arrears == second.total


def test_a_correction_keeps_counting_from_the_bill_it_replaces(in_a):
    """The correction carries the arrears of the bill it replaces, fixed when
    that one was issued: a payment confirmed in between still counts."""
    chief = staff_user(in_a, "revenue_chief")
    first = bill_of(issue_paid(in_a, PAST, 3))
    tran = online_started(first, "1020.00", "IMISLATE3")
    second = bill_of(issue_paid(in_a, PAST, 4))
    confirmed(tran)
    correction = services.bill_correct(actor=chief, bill=second, reason="survey")
    assert correction.arrears == Decimal("1020.00")
    everyone_agrees(first.holding, correction, correction.total - Decimal("1020.00"))
    third = bill_of(issue_paid(in_a, PAST + 1, 1))
    assert third.arrears == correction.total - Decimal("1020.00")


def test_a_payment_confirmed_on_a_cancelled_bill_counts_towards_the_latest(in_a):
    chief = staff_user(in_a, "revenue_chief")
    first = bill_of(issue_paid(in_a, PAST, 3))
    second = bill_of(issue_paid(in_a, PAST, 4))
    tran = online_started(second, "500.00", "IMISVOID")
    services.bill_cancel(actor=chief, bill=second, reason="wrong value")
    confirmed(tran)  # the gateway took the money for the cancelled bill
    # The first bill is the latest again; the 500.00 counts towards it.
    everyone_agrees(first.holding, first, Decimal("520.00"))
    third = bill_of(issue_paid(in_a, PAST + 1, 1))
    assert third.arrears == Decimal("520.00")


def test_late_payments_stay_in_their_municipality(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        billing_sample(staff_user(tenant_a, "gis_officer"))
        first = bill_of(issue_paid(tenant_a, PAST, 3))
        tran = online_started(first, "1020.00", "IMISLATEA")
        second = bill_of(issue_paid(tenant_a, PAST, 4))
        confirmed(tran)
        everyone_agrees(first.holding, second, Decimal("1071.00"))
    with schema_context(tenant_b.schema_name):
        billing_sample(staff_user(tenant_b, "gis_officer"))
        other_first = bill_of(issue_paid(tenant_b, PAST, 3))
        other_second = bill_of(issue_paid(tenant_b, PAST, 4))
        everyone_agrees(other_first.holding, other_second, Decimal("2091.00"))

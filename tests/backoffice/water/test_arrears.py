"""Water arrears when an older bill is paid after the newer one was issued.

A bill's arrears are what its connection's previous bill still owes: the
previous bill's total, less the valid payments on it, less the valid
payments on any earlier bill of the connection received at or after the
previous bill was issued (an online payment started while the older bill
was the latest and confirmed after the newer one was issued: the newer
bill already carried the older amount), never negative.  Real runs, real
counter payments and an online payment through the gateway simulator."""

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.payments import selectors
from backoffice.payments import services as payments
from backoffice.payments.models import Payment
from backoffice.water import runs
from backoffice.water.models import WaterBill
from tests.backoffice.water.factories import period_make, water_sample
from tests.conftest import staff_user
from tests.support.payments import sslcommerz_callbacks

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(tenant_a, settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path  # receipts are private files
    with schema_context(tenant_a.schema_name):
        officer = staff_user(tenant_a, "water_officer")
        sample = water_sample(officer)
        sample.update(
            officer=officer,
            tenant=tenant_a,
            chief=staff_user(tenant_a, "revenue_chief"),
            collector=staff_user(tenant_a, "revenue_collector"),
        )
        yield sample


def issued(water, month):
    run = runs.water_run_prepare(actor=water["officer"], period=period_make(2026, month))
    runs.water_run_approve(actor=water["chief"], run=run)
    run = runs.water_run_issue(run_id=run.pk)
    return {b.connection_id: b for b in WaterBill.objects.filter(run=run)}


def online_started(simulator, bill):
    """An online payment of ``bill`` opened at the gateway (not yet paid)."""
    urls = sslcommerz_callbacks("khulna.localhost")
    return payments.transaction_initiate(bill=bill, gateway="sslcommerz", urls_for=lambda _t: urls)


def online_paid(simulator, tran):
    """The payer completes it at the gateway; reconciliation records it."""
    simulator.choose(tran.redirect_url)
    return payments.transaction_reconcile(tran_id=tran.tran_id)


def test_an_older_bill_paid_after_the_newer_one_was_issued_is_not_owed_again(
    water, payment_simulator
):
    payment_simulator.reset()
    payment_simulator.set(ipn="none")  # settled by asking the gateway, as reconciliation does
    flat, home = water["flat"], water["connections"][0]
    september = issued(water, 9)
    # Started while September's bill is the latest, confirmed after October's is issued.
    tran = online_started(payment_simulator, september[flat.pk])
    # Home pays part of September at the counter before October is issued.
    payments.counter_payment_record(
        actor=water["collector"], bill=september[home.pk], amount=Decimal("40")
    )
    october = issued(water, 10)
    assert october[flat.pk].arrears == september[flat.pk].total  # not paid yet when issued
    assert october[home.pk].arrears == september[home.pk].total - 40
    settled = online_paid(payment_simulator, tran)
    assert settled.outcome == "paid"
    late = Payment.objects.get(transaction=tran)
    assert late.water_bill_id == september[flat.pk].pk
    assert late.received_at >= october[flat.pk].issued_at
    # October's bill no longer asks for what September's payment covered.
    expected = october[flat.pk].total - september[flat.pk].total
    assert selectors.bill_outstanding(october[flat.pk]) == expected
    # The counter takes what is left on October's bill, in two parts.
    payments.counter_payment_record(
        actor=water["collector"], bill=october[flat.pk], amount=Decimal("100")
    )
    november = issued(water, 11)
    # Flat: October's total less the 100 paid on it less September's late payment.
    assert november[flat.pk].arrears == expected - 100
    # Home: September's counter payment was in October's arrears already; not again.
    assert november[home.pk].arrears == october[home.pk].total
    assert november[flat.pk].total == november[flat.pk].arrears + sum(
        Decimal(x["amount"]) for x in november[flat.pk].lines
    )
    # A late payment counts once: the bill after November's carries November's figures.
    payments.counter_payment_record(
        actor=water["collector"], bill=november[flat.pk], amount=november[flat.pk].total
    )
    december = issued(water, 12)
    assert december[flat.pk].arrears == 0
    payment_simulator.reset()


def test_arrears_are_never_negative(water, payment_simulator):
    """An older bill paid late while the newer one was also paid in full at
    the counter: the next bill carries nothing, not a credit."""
    payment_simulator.reset()
    payment_simulator.set(ipn="none")
    flat = water["flat"]
    september = issued(water, 9)
    tran = online_started(payment_simulator, september[flat.pk])
    october = issued(water, 10)
    payments.counter_payment_record(
        actor=water["collector"], bill=october[flat.pk], amount=october[flat.pk].total
    )
    assert online_paid(payment_simulator, tran).outcome == "paid"  # overpaid, flagged
    assert selectors.bill_outstanding(october[flat.pk]) == 0
    november = issued(water, 11)
    assert november[flat.pk].arrears == 0
    assert november[flat.pk].total == Decimal("300.00")
    payment_simulator.reset()


def test_a_payment_received_before_the_newer_bill_was_issued_counts_once(water):
    """The usual case, checked through the same rule: paid at the counter
    before October's run, so October's arrears were already net of it."""
    home = water["connections"][1]
    september = issued(water, 9)
    payments.counter_payment_record(
        actor=water["collector"], bill=september[home.pk], amount=Decimal("25")
    )
    october = issued(water, 10)
    november = issued(water, 11)
    assert october[home.pk].arrears == september[home.pk].total - 25
    assert november[home.pk].arrears == october[home.pk].total
    assert october[home.pk].issued_at > datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

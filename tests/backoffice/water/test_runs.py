"""Monthly water bill runs: preparation figures and exceptions, approval by
the revenue chief only, issuing (numbering, flat rate, arrears, idempotent),
immutability and cancellation by a new document; both tenants."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from backoffice.water import runs, services
from backoffice.water.models import Reading, WaterBill, WaterBillRun
from tenants.roles import ROLES
from tests.backoffice.water.factories import period_make, water_sample
from tests.conftest import staff_user

D = datetime.date


@pytest.fixture(params=["tenant_a", "tenant_b"])
def water(request):
    tenant = request.getfixturevalue(request.param)
    with schema_context(tenant.schema_name):
        officer = staff_user(tenant, "water_officer")
        sample = water_sample(officer)
        sample.update(officer=officer, tenant=tenant, chief=staff_user(tenant, "revenue_chief"))
        yield sample


def read(water, connection, value, month=10, **kw):
    return services.reading_record(
        actor=water["officer"],
        meter=connection.meters.get(active=True),
        period=period_make(2026, month),
        read_on=D(2026, month, 27),
        value=Decimal(value),
        today=D(2026, 12, 31),
        **kw,
    )


def issued(water, month=10):
    run = runs.water_run_prepare(actor=water["officer"], period=period_make(2026, month))
    runs.water_run_approve(actor=water["chief"], run=run)
    return runs.water_run_issue(run_id=run.pk)


def test_prepare_shows_totals_by_ward_and_exceptions(water):
    home, shop, home2, shop2 = water["connections"]
    read(water, home, "35.5")  # 85 + 220 + 82.50 + rent 25 = 412.50
    flagged = read(water, shop, "600")  # above the commercial ceiling of 500
    assert flagged.status == Reading.Status.FLAGGED
    read(water, home2, "3")  # 25.50 -> minimum 60 + rent 25 = 85
    run = runs.water_run_prepare(actor=water["officer"], period=period_make())
    # ward 1: home 412.50, shop (flagged: not counted) 250 + 50, flat 300
    assert run.totals_by_ward == {
        "1": {"count": 3, "total": "1012.50", "m3": "35.500"},
        "2": {"count": 2, "total": "385.00", "m3": "3.000"},
    }
    assert run.connection_count == 5 and run.total == Decimal("1397.50")
    assert {(e["connection"], e["problem"]) for e in run.exceptions} == {
        (shop.number, "flagged_reading"),
        (shop2.number, "missing_reading"),
    }
    with pytest.raises(ValidationError, match="still flagged"):
        runs.water_run_approve(actor=water["chief"], run=run)
    services.reading_review(actor=water["officer"], reading=flagged, accept=True)
    with pytest.raises(ValidationError, match="prepare it again"):
        runs.water_run_approve(actor=water["chief"], run=run)
    run = runs.water_run_prepare(actor=water["officer"], period=period_make())
    # the shop's 300 (minimum and rent) becomes 50 x 20 + 550 x 28 + 50 = 16,450
    assert run.total == Decimal("1397.50") - 300 + 16450
    runs.water_run_approve(actor=water["chief"], run=run)
    with pytest.raises(ValidationError, match="already approved"):
        runs.water_run_prepare(actor=water["officer"], period=period_make())
    with pytest.raises(ValidationError, match="readings are closed"):
        read(water, shop2, "5")


@pytest.mark.parametrize("role", [r.slug for r in ROLES if r.slug != "revenue_chief"])
def test_only_the_revenue_chief_approves(water, role):
    run = runs.water_run_prepare(actor=water["officer"], period=period_make())
    with pytest.raises(PermissionDenied):
        runs.water_run_approve(actor=staff_user(water["tenant"], role), run=run)
    assert WaterBillRun.objects.get(pk=run.pk).state == WaterBillRun.State.PREPARED


def test_an_unapproved_run_is_not_issued(water):
    run = runs.water_run_prepare(actor=water["officer"], period=period_make())
    with pytest.raises(ValidationError):
        runs.water_run_issue(run_id=run.pk)
    assert not WaterBill.objects.exists()


def test_issue_numbers_bills_consecutively_and_carries_arrears(water):
    home, shop, home2, shop2 = water["connections"]
    read(water, home, "12", month=9)
    first = issued(water, month=9)
    assert first.state == WaterBillRun.State.ISSUED and first.bill_count == 5
    september = list(WaterBill.objects.filter(run=first).order_by("number"))
    assert [b.number for b in september] == [f"W202609-{i:06d}" for i in range(1, 6)]
    # ward 1 first, in connection number order, then ward 2
    wards = [b.connection.holding.ward.number for b in september]
    assert wards == sorted(wards)
    by_connection = {b.connection_id: b for b in september}
    bill = by_connection[home.pk]
    assert bill.consumption == Decimal("12.000") and bill.total == Decimal("85.00") + 22 + 25
    flat = by_connection[water["flat"].pk]
    assert flat.lines == [{"code": "flat", "amount": "300.00"}] and flat.meter_rent == 0
    assert flat.total == Decimal("300.00") and flat.arrears == 0

    read(water, home, "20")
    october = issued(water, month=10)
    bill = WaterBill.objects.get(run=october, connection=home)
    assert bill.number.startswith("W202610-") and bill.arrears == Decimal("132.00")
    assert bill.total == Decimal("68.00") + 25 + Decimal("132.00")  # 8 x 8.50 = 68
    assert WaterBill.objects.get(run=october, connection=water["flat"]).total == Decimal("600.00")


def test_issuing_again_changes_nothing(water):
    run = issued(water)
    numbers = list(WaterBill.objects.order_by("number").values_list("number", "total"))
    again = runs.water_run_issue(run_id=run.pk)
    assert again.bill_count == 5
    assert list(WaterBill.objects.order_by("number").values_list("number", "total")) == numbers
    assert again.period.last_number == 5 and runs.water_run_progress(again) == 100


def test_connections_connected_after_the_period_are_not_billed(water):
    water["flat"].connected_on = D(2026, 11, 2)
    water["flat"].save()
    assert issued(water).bill_count == 4


def test_issued_bills_are_immutable_and_cancelled_by_a_new_document(water):
    issued(water)
    bill = WaterBill.objects.order_by("number").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        WaterBill.objects.filter(pk=bill.pk).update(total=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        WaterBill.objects.filter(pk=bill.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE water_waterbill SET number = 'X' WHERE id = %s", [bill.pk])
    with pytest.raises(PermissionDenied):
        runs.water_bill_cancel(actor=water["officer"], bill=bill, reason="wrong")
    cancellation = runs.water_bill_cancel(actor=water["chief"], bill=bill, reason="wrong meter")
    bill.refresh_from_db()
    assert bill.status == WaterBill.Status.CANCELLED
    assert cancellation.number == "W202610-000006" and cancellation.total == -bill.total
    with pytest.raises(ValidationError):
        runs.water_bill_cancel(actor=water["chief"], bill=bill, reason="twice")


def test_one_bill_per_run_and_connection_is_a_constraint(water):
    run = issued(water)
    bill = WaterBill.objects.filter(run=run).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        WaterBill.objects.create(
            run=run,
            connection=bill.connection,
            number="W-DUP",
            category=bill.category,
            metered=bill.metered,
            consumption=0,
            total=0,
            due_on=bill.due_on,
            issued_at=bill.issued_at,
        )


def test_arrears_are_what_the_previous_bill_still_owes_after_payments(water, settings, tmp_path):
    from backoffice.payments import services as payments

    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path  # receipts are private files
    home, shop, _home2, _shop2 = water["connections"]
    september = issued(water, month=9)
    bills = {b.connection_id: b for b in WaterBill.objects.filter(run=september)}
    collector = staff_user(water["tenant"], "revenue_collector")
    payments.counter_payment_record(actor=collector, bill=bills[home.pk], amount=Decimal("50"))
    payments.counter_payment_record(
        actor=collector, bill=bills[shop.pk], amount=bills[shop.pk].total
    )
    october = issued(water, month=10)
    after = {b.connection_id: b for b in WaterBill.objects.filter(run=october)}
    assert after[home.pk].arrears == bills[home.pk].total - 50
    assert after[shop.pk].arrears == 0  # paid in full
    flat = water["flat"].pk
    assert after[flat].arrears == bills[flat].total  # nothing paid
    assert after[home.pk].total == after[home.pk].arrears + sum(
        Decimal(x["amount"]) for x in after[home.pk].lines
    )

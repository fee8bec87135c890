import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from backoffice.billing import services
from backoffice.billing.models import Bill, BillingPeriod, BillRun, TaxRate
from tenants.roles import ROLES
from tests.backoffice.registry.factories import holding_make, wards_make
from tests.conftest import staff_user


def period_make(year=2026, quarter=4) -> BillingPeriod:
    month = 3 * (quarter - 1) + 1
    return BillingPeriod.objects.create(
        year=year,
        quarter=quarter,
        starts_on=datetime.date(year, month, 1),
        ends_on=datetime.date(year, month + 2, 28),
        due_on=datetime.date(year, month + 2, 28),
    )


def billing_sample(actor, prefix="01") -> None:
    wards_make()
    TaxRate.objects.create(
        holding_type="residential",
        holding_tax_pct=Decimal("7"),
        conservancy_pct=Decimal("7"),
        lighting_pct=Decimal("3"),
        rebate_pct=Decimal("10"),
        surcharge_pct=Decimal("5"),
    )
    TaxRate.objects.create(holding_type="religious", exempt=True)
    holding_make(actor, code=f"{prefix}-001-0003-00")
    holding_make(actor, code=f"{prefix}-001-0001-00", annual_value=Decimal("0"))
    holding_make(actor, code=f"{prefix}-001-0002-00", annual_value=Decimal("10.10"))
    holding_make(actor, code=f"{prefix}-001-0004-00", holding_type="religious")
    holding_make(actor, code=f"{prefix}-001-0005-00", holding_type="commercial")  # no rate


def approved_run(tenant, year=2026, quarter=4) -> BillRun:
    run = services.bill_run_prepare(
        actor=staff_user(tenant, "revenue_collector"), period=period_make(year, quarter)
    )
    return services.bill_run_approve(actor=staff_user(tenant, "revenue_chief"), run=run)


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        billing_sample(staff_user(tenant_a, "gis_officer"))
        yield tenant_a


def test_prepare_totals_by_ward_and_exceptions(in_a):
    run = services.bill_run_prepare(
        actor=staff_user(in_a, "revenue_collector"), period=period_make()
    )
    # 24000 x 17% / 4 = 1020.00; 10.10 -> 0.18 + 0.18 + 0.08; zero and exempt add 0.
    assert run.totals_by_ward == {"1": {"count": 4, "total": "1020.44"}}
    assert run.total == Decimal("1020.44") and run.holding_count == 4
    assert {(e["holding"], e["problem"]) for e in run.exceptions} == {
        ("01-001-0001-00", "zero_annual_value"),
        ("01-001-0005-00", "no_rate"),
    }
    with pytest.raises(ValidationError):
        services.bill_run_prepare(actor=run.prepared_by, period=run.period)


@pytest.mark.parametrize("role", [r.slug for r in ROLES if r.slug != "revenue_chief"])
def test_only_the_revenue_chief_approves(in_a, role):
    run = services.bill_run_prepare(
        actor=staff_user(in_a, "revenue_collector"), period=period_make()
    )
    with pytest.raises(PermissionDenied):
        services.bill_run_approve(actor=staff_user(in_a, role), run=run)
    run.refresh_from_db()
    assert run.state == BillRun.State.PREPARED and run.approved_by is None
    with pytest.raises(ValidationError):
        services.bill_run_issue(run_id=run.pk)


def test_issue_is_idempotent_with_consecutive_numbers(in_a):
    run = approved_run(in_a)
    services.bill_run_issue(run_id=run.pk)
    first = list(Bill.objects.values_list("number", "holding__code", "total"))
    run = services.bill_run_issue(run_id=run.pk)
    assert list(Bill.objects.values_list("number", "holding__code", "total")) == first
    assert run.state == BillRun.State.ISSUED and run.bill_count == 4
    assert [n for n, _, _ in first] == [f"2026-Q4-{i:06d}" for i in range(1, 5)]
    assert [c for _, c, _ in first] == [f"01-001-000{i}-00" for i in range(1, 5)]
    bill = Bill.objects.get(holding__code="01-001-0003-00")
    assert bill.total == Decimal("1020.00") and bill.rebate == Decimal("102.00")
    assert bill.lines[0] == {"code": "holding_tax", "amount": "420.00"}
    assert Bill.objects.get(holding__code="01-001-0004-00").total == 0  # exempt


def test_numbers_past_999999_keep_every_digit(in_a):
    """The issue SQL pads to six digits and never cuts a seventh (as the
    Python side's ``:06d`` does for corrections)."""
    run = approved_run(in_a)
    BillingPeriod.objects.filter(pk=run.period_id).update(last_number=999_998)
    services.bill_run_issue(run_id=run.pk)
    numbers = list(Bill.objects.filter(run=run).order_by("id").values_list("number", flat=True))
    assert numbers == [f"2026-Q4-{n}" for n in range(999_999, 1_000_003)]


def test_issue_fills_in_missing_bills_and_carries_arrears(in_a):
    run = approved_run(in_a, quarter=3)
    services.bill_run_issue(run_id=run.pk)
    # A half-finished run cannot be faked by deleting: the trigger refuses it.
    with transaction.atomic(), pytest.raises(IntegrityError):
        Bill.objects.filter(holding__code="01-001-0002-00").delete()
    holding_make(None, code="01-001-0000-00")  # a new holding since the first issue
    services.bill_run_issue(run_id=run.pk)
    assert Bill.objects.get(holding__code="01-001-0000-00").number == "2026-Q3-000005"
    q4 = approved_run(in_a, quarter=4)
    services.bill_run_issue(run_id=q4.pk)
    bill = Bill.objects.get(run=q4, holding__code="01-001-0003-00")
    assert bill.arrears == Decimal("1020.00") and bill.surcharge == Decimal("51.00")
    assert bill.rebate == Decimal("102.00")
    assert bill.total == Decimal("1020.00") + Decimal("1020.00") + Decimal("51.00")


def test_issued_bills_are_immutable_and_cancelled_by_a_new_document(in_a):
    run = approved_run(in_a)
    services.bill_run_issue(run_id=run.pk)
    bill = Bill.objects.get(holding__code="01-001-0003-00")
    chief = staff_user(in_a, "revenue_chief")
    with pytest.raises(ValidationError):
        services.bill_update(actor=chief, bill=bill, total=Decimal("1"))
    with transaction.atomic(), pytest.raises(IntegrityError):
        Bill.objects.filter(pk=bill.pk).update(total=Decimal("1"))
    with pytest.raises(PermissionDenied):
        services.bill_cancel(actor=staff_user(in_a, "revenue_collector"), bill=bill, reason="x")
    cancellation = services.bill_cancel(actor=chief, bill=bill, reason="wrong value")
    bill.refresh_from_db()
    assert bill.status == Bill.Status.CANCELLED and bill.total == Decimal("1020.00")
    assert cancellation.replaces == bill and cancellation.total == Decimal("-1020.00")
    assert cancellation.number == "2026-Q4-000005"
    with pytest.raises(ValidationError):
        services.bill_cancel(actor=chief, bill=bill, reason="again")


def test_runs_and_bills_are_isolated_per_tenant(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        billing_sample(None)
        services.bill_run_issue(run_id=approved_run(tenant_a).pk)
    with schema_context(tenant_b.schema_name):
        assert not BillRun.objects.exists() and not Bill.objects.exists()
        billing_sample(None, prefix="02")
        services.bill_run_issue(run_id=approved_run(tenant_b).pk)
        # Numbers are per municipality: both start at 1.
        assert Bill.objects.order_by("number").first().number == "2026-Q4-000001"
        assert set(Bill.objects.values_list("holding__code", flat=True)) == {
            f"02-001-000{i}-00" for i in range(1, 5)
        }
    with schema_context(tenant_a.schema_name):
        assert Bill.objects.count() == 4
        assert not Bill.objects.filter(holding__code__startswith="02-").exists()


def test_selectors_find_bills_by_number_and_holding(in_a):
    from backoffice.billing import selectors

    for quarter in (3, 4):
        services.bill_run_issue(run_id=approved_run(in_a, quarter=quarter).pk)
    assert [b.number for b in selectors.bills_of_holding("01-001-0003-00")] == [
        "2026-Q4-000003",
        "2026-Q3-000003",
    ]
    bill = selectors.bill_by_number("2026-Q3-000003")
    assert bill.holding.code == "01-001-0003-00" and str(bill.run.period) == "2026-Q3"
    assert selectors.bill_by_number("2026-Q1-000001") is None
    assert [str(r) for r in selectors.bill_run_list()] == ["2026-Q4", "2026-Q3"]


def test_a_correction_is_a_new_document_and_carries_into_the_next_period(in_a):
    services.bill_run_issue(run_id=approved_run(in_a, quarter=3).pk)
    bill = Bill.objects.get(holding__code="01-001-0003-00")
    with pytest.raises(PermissionDenied):
        services.bill_correct(actor=staff_user(in_a, "revenue_collector"), bill=bill, reason="x")
    chief = staff_user(in_a, "revenue_chief")
    correction = services.bill_correct(
        actor=chief, bill=bill, reason="valuation appeal", annual_value=Decimal("12000")
    )
    bill.refresh_from_db()
    assert bill.status == Bill.Status.CANCELLED and bill.total == Decimal("1020.00")
    assert correction.kind == Bill.Kind.CORRECTION and correction.replaces == bill
    assert correction.number == "2026-Q3-000005" and correction.total == Decimal("510.00")
    with pytest.raises(ValidationError):
        services.bill_correct(actor=chief, bill=bill, reason="again")
    services.bill_run_issue(run_id=approved_run(in_a, quarter=4).pk)
    q4 = Bill.objects.get(run__period__quarter=4, holding__code="01-001-0003-00")
    assert q4.arrears == Decimal("510.00")

"""Synthetic billing at the tiny scale: four issued quarterly runs with every
active holding billed once per run, a plausible share of payments with
receipt numbers consecutive per year, arrears that match what the previous
bill left unpaid, the same bills and payments for the same seed in two
municipalities, and --replace."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.billing.calculation import owed
from backoffice.billing.models import Bill, BillingPeriod, BillRun, TaxRate
from backoffice.billing.synthetic import quarters_before
from backoffice.payments.models import Payment, ReceiptSequence
from backoffice.payments.selectors import bill_paid_amount, bill_paid_by_due_date
from backoffice.registry.choices import HoldingStatus, HoldingType
from backoffice.registry.models import Holding
from backoffice.registry.synthetic import PLACES, city_generate


def generate(seed: int = 1):
    return city_generate(scale="tiny", seed=seed, replace=True, place=PLACES["khulna"])


def test_quarters_before():
    assert quarters_before(datetime.date(2026, 11, 30)) == [
        (2025, 4),
        (2026, 1),
        (2026, 2),
        (2026, 3),
    ]
    assert quarters_before(datetime.date(2027, 1, 1), 2) == [(2026, 3), (2026, 4)]


def fingerprint():
    bills = list(
        Bill.objects.order_by("number").values_list("number", "holding__code", "total", "arrears")
    )
    payments = list(
        Payment.objects.order_by("receipt_number").values_list(
            "receipt_number", "bill__number", "amount", "received_at"
        )
    )
    return bills, payments


def test_a_year_of_runs_and_payments(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        gen = generate()
        assert set(TaxRate.objects.values_list("holding_type", flat=True)) == set(
            HoldingType.values
        )
        runs = list(BillRun.objects.order_by("period__year", "period__quarter"))
        assert len(runs) == 4 and {r.state for r in runs} == {BillRun.State.ISSUED}
        assert [(r.period.year, r.period.quarter) for r in runs] == quarters_before(
            datetime.datetime.fromisoformat(gen.now).date()
        )
        active = Holding.objects.filter(status=HoldingStatus.ACTIVE).count()
        assert active > 0
        for run in runs:
            assert run.bill_count == active
            per_holding = Bill.objects.filter(run=run).values("holding").annotate(n=Count("id"))
            assert {row["n"] for row in per_holding} == {1}
            numbers = sorted(Bill.objects.filter(run=run).values_list("number", flat=True))
            prefix = f"{run.period.year}-Q{run.period.quarter}-"
            assert numbers == [f"{prefix}{n:06d}" for n in range(1, active + 1)]
            assert run.period.last_number == active
        assert gen.counts["billing.Bill"] == Bill.objects.count() == 4 * active

        # Payments: a plausible share, never more than the bill, receipts
        # consecutive per year without duplicates, the sequence at the last.
        payable = Bill.objects.filter(total__gt=0).count()
        # (Water's step pays water bills too; receipts are numbered together.)
        tax = Payment.objects.filter(bill__isnull=False)
        paid = tax.values("bill").distinct().count()
        assert 0.6 * payable <= paid <= 0.8 * payable
        assert gen.counts["payments.Payment"] == tax.count()
        assert not tax.values("bill").annotate(n=Count("id")).filter(n__gt=1)
        for payment in tax.select_related("bill"):
            assert Decimal("0.01") <= payment.amount <= payment.bill.total
            assert payment.received_at <= datetime.datetime.fromisoformat(gen.now)
        seqs = defaultdict(list)
        for year, seq, number in Payment.objects.values_list(
            "receipt_year", "receipt_seq", "receipt_number"
        ):
            seqs[year].append(seq)
            assert number == f"R-{year}-{seq:06d}"
        for year, numbers in seqs.items():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
            assert ReceiptSequence.objects.get(kind="R", year=year).last_number == len(numbers)
        payments = list(tax.select_related("bill"))
        assert any(timezone.localtime(p.received_at).date() > p.bill.due_on for p in payments)
        assert any(p.amount < p.bill.total - p.bill.rebate for p in payments)  # partial
        assert any(p.amount == p.bill.total - p.bill.rebate > 0 for p in payments)  # rebate

        # Each run's arrears are what the previous bill left unpaid.
        for earlier, later in zip(runs, runs[1:], strict=False):
            after = dict(Bill.objects.filter(run=later).values_list("holding_id", "arrears"))
            for bill in Bill.objects.filter(run=earlier):
                expected = owed(
                    total=bill.total,
                    rebate=bill.rebate,
                    paid=bill_paid_amount(bill),
                    paid_by_due_date=bill_paid_by_due_date(bill),
                )
                assert after[bill.holding_id] == expected, bill.number
        assert Bill.objects.filter(arrears__gt=0).exists()
        figures_a = fingerprint()
        total_a = tax.aggregate(s=Sum("amount"))["s"]

        # --replace: the same city again, numbering from the start.
        generate()
        assert BillingPeriod.objects.count() == 4
        assert fingerprint()[0] == figures_a[0]
        assert [p[:3] for p in fingerprint()[1]] == [p[:3] for p in figures_a[1]]
    with schema_context(tenant_b.schema_name):
        generate()
        assert fingerprint()[0] == figures_a[0]
        assert Payment.objects.filter(bill__isnull=False).aggregate(s=Sum("amount"))["s"] == total_a

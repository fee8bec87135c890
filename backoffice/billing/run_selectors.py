"""Reads for the staff bill-run screens (selectors.py holds the reads the
API and the verification page share)."""

from django.db.models import Q, QuerySet

from backoffice.billing.models import Bill, BillingPeriod, BillRun
from tenants.audit.models import AuditEvent


def period_list() -> QuerySet[BillingPeriod]:
    """Every period with its run (if any), newest first."""
    return BillingPeriod.objects.select_related(
        "run", "run__prepared_by", "run__approved_by"
    ).order_by("-year", "-quarter")


def period_latest() -> BillingPeriod | None:
    return BillingPeriod.objects.order_by("-year", "-quarter").first()


def period_get(pk: int) -> BillingPeriod:
    return BillingPeriod.objects.select_related("run").get(pk=pk)


def earlier_run_ids(period: BillingPeriod) -> list[int]:
    """The runs of the periods before ``period``, latest first (the issue
    SQL's ``earlier``: a holding's previous bill is its bill in the first
    of them that has one)."""
    return list(
        BillRun.objects.filter(
            Q(period__year__lt=period.year)
            | Q(period__year=period.year, period__quarter__lt=period.quarter)
        )
        .order_by("-period__year", "-period__quarter")
        .values_list("pk", flat=True)
    )


def run_get(pk: int) -> BillRun:
    return BillRun.objects.select_related("period", "prepared_by", "approved_by").get(pk=pk)


def run_issue_queued(run: BillRun) -> bool:
    """Whether someone sent the run to the worker (it stays "approved"
    until the worker starts on it)."""
    return AuditEvent.objects.filter(
        action="billing.run_issue_queued",
        object_type=BillRun._meta.label_lower,
        object_id=str(run.pk),
    ).exists()


def run_ward_totals(run: BillRun) -> list[dict]:
    """The review figures by ward, in ward order."""
    rows = [
        {"ward": int(ward), "count": row["count"], "total": row["total"]}
        for ward, row in (run.totals_by_ward or {}).items()
        if str(ward).isdigit()
    ]
    return sorted(rows, key=lambda row: row["ward"])


def run_bills(run: BillRun, *, ward: int | None = None) -> QuerySet[Bill]:
    """The run's documents (bills, corrections, cancellations) by number."""
    bills = Bill.objects.filter(run=run).select_related("holding__ward")
    if ward is not None:
        bills = bills.filter(holding__ward__number=ward)
    return bills.defer("holding__ward__boundary", "lines")

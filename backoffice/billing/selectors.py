"""Reads for bill runs and bills (staff screens, the API and the public
verification page build on these)."""

from django.db.models import QuerySet

from backoffice.billing.models import Bill, BillRun


def bill_run_list() -> QuerySet[BillRun]:
    return BillRun.objects.select_related("period", "prepared_by", "approved_by")


def bill_by_number(number: str) -> Bill | None:
    return (
        Bill.objects.select_related("holding", "run__period", "replaces")
        .filter(number=number)
        .first()
    )


def bills_of_holding(code: str) -> QuerySet[Bill]:
    """A holding's documents, newest period first, corrections after the bill."""
    return (
        Bill.objects.select_related("run__period")
        .filter(holding__code=code)
        .order_by("-run__period__year", "-run__period__quarter", "id")
    )

"""Reads for the verification page, the API and the print screens."""

from django.db.models import Count, QuerySet

from backoffice.billing.models import Bill, BillRun
from backoffice.billing.pdf.models import PrintBatch, SigningIdentity
from backoffice.billing.selectors import bill_by_number, bills_of_holding

__all__ = ["bill_by_number", "bills_of_holding"]


def bill_for_verification(number: str) -> Bill | None:
    """Only what the public page shows (no owners are loaded)."""
    if len(number) > 20:
        return None
    return (
        Bill.objects.select_related("holding", "run__period", "replaces")
        .only(
            "number",
            "kind",
            "status",
            "total",
            "rebate",
            "due_on",
            "issued_at",
            "holding__code",
            "run__period__year",
            "run__period__quarter",
            "run__period__starts_on",
            "run__period__ends_on",
            "replaces__number",
        )
        .filter(number=number)
        .first()
    )


def bill_replaced_by(bill: Bill) -> Bill | None:
    return Bill.objects.filter(replaces=bill).only("number", "kind").order_by("id").first()


def issued_runs() -> QuerySet[BillRun]:
    return BillRun.objects.select_related("period").filter(state=BillRun.State.ISSUED)


def run_ward_counts(run: BillRun) -> list[dict]:
    """Bills of ``run`` per ward, for the print screen."""
    return list(
        Bill.objects.filter(run=run)
        .values("holding__ward_id", "holding__ward__number")
        .annotate(bills=Count("id"))
        .order_by("holding__ward__number")
    )


def print_batches(run: BillRun) -> dict[int, PrintBatch]:
    return {b.ward_id: b for b in PrintBatch.objects.filter(run=run)}


def print_batch_get(pk: int) -> PrintBatch | None:
    return print_batches_all().filter(pk=pk).first()


def signing_identity_public() -> SigningIdentity | None:
    return (
        SigningIdentity.objects.filter(active=True)
        .only("subject", "fingerprint", "certificate_pem", "chain_pem", "not_after", "source")
        .first()
    )


def print_batches_all() -> QuerySet[PrintBatch]:
    """Holding-tax batches."""
    return PrintBatch.objects.select_related("run__period", "ward").filter(
        kind=PrintBatch.HOLDING_TAX
    )


def kind_batches(kind: str, run_ref: int) -> QuerySet[PrintBatch]:
    """Another kind of bill's batches of one of its runs (a water bill run)."""
    return PrintBatch.objects.select_related("ward").filter(kind=kind, run_ref=run_ref)

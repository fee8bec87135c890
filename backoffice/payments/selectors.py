"""Reads for payments; other apps (the bill verification page, dues lists)
ask here whether a bill is paid."""

import datetime
from decimal import Decimal

from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from backoffice.payments.documents import (
    Document,
    document_filter,
    document_late_payments,
    document_rebate,
)
from backoffice.payments.models import Payment, PaymentTransaction


def bill_paid_amount(bill: Document) -> Decimal:
    """What valid (not cancelled) receipts credit to ``bill`` (a holding-tax
    or a water bill, like every function here that takes a bill)."""
    total = Payment.objects.filter(**document_filter(bill), status=Payment.Status.VALID).aggregate(
        s=Sum("amount")
    )["s"]
    return total or Decimal("0.00")


def _due_day_end(bill: Document) -> datetime.datetime:
    """The first instant after the due date, on the municipality's clock."""
    day = bill.due_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def bill_paid_by_due_date(bill: Document) -> Decimal:
    """What valid receipts of ``bill`` received by the end of its due date credit."""
    total = Payment.objects.filter(
        **document_filter(bill), status=Payment.Status.VALID, received_at__lt=_due_day_end(bill)
    ).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def bill_credits(bill: Document) -> tuple[Decimal, Decimal]:
    """What counts as paid towards ``bill``, in all and by the end of its due
    date: its valid receipts plus the valid payments its figures could not
    know of (documents.document_late_payments: on the holding's older bills,
    received at or after this one was issued).  One query."""
    figures = Payment.objects.filter(
        Q(**document_filter(bill)) | document_late_payments(bill), status=Payment.Status.VALID
    ).aggregate(
        paid=Sum("amount"),
        by_due=Sum("amount", filter=Q(received_at__lt=_due_day_end(bill))),
    )
    return figures["paid"] or Decimal("0.00"), figures["by_due"] or Decimal("0.00")


def bill_amount_due(bill: Document, *, on: datetime.date | None = None) -> Decimal:
    """The bill's total, less the early-payment rebate up to its due date."""
    on = on or timezone.localdate()
    rebate = document_rebate(bill)
    return bill.total - rebate if on <= bill.due_on else bill.total


def _settled(bill: Document, paid: Decimal, by_due: Decimal) -> bool:
    if bill.total <= 0 or paid >= bill.total:
        return True
    rebate = document_rebate(bill)
    return rebate > 0 and by_due >= bill.total - rebate


def bill_is_paid(bill: Document) -> bool:
    """Paid in full, or paid the total less the rebate by the due date
    (counting what bill_credits counts)."""
    return _settled(bill, *bill_credits(bill))


def bill_outstanding(bill: Document, *, on: datetime.date | None = None) -> Decimal:
    """What is left to pay ``on`` a day (today by default)."""
    paid, by_due = bill_credits(bill)
    if _settled(bill, paid, by_due):
        return Decimal("0.00")
    return max(bill_amount_due(bill, on=on) - paid, Decimal("0.00"))


def payment_by_receipt(number: str) -> Payment | None:
    return (
        Payment.objects.select_related(
            "bill__holding",
            "bill__run__period",
            "water_bill__connection",
            "water_bill__run__period",
            "transaction",
            "received_by",
            "cancellation",
        )
        .filter(receipt_number=number)
        .first()
    )


def payment_search(*, query: str = "", method: str = "", status: str = "") -> QuerySet[Payment]:
    """Staff payment search: by receipt, bill, holding code (of a holding-tax
    bill, a water bill's connection or a connection fee), connection number,
    application reference or our/gateway transaction id."""
    payments = Payment.objects.select_related(
        "bill__holding", "water_bill__connection", "application", "transaction", "received_by"
    )
    query = (query or "").strip()
    if query:
        payments = payments.filter(
            Q(receipt_number__iexact=query)
            | Q(bill__number__iexact=query)
            | Q(bill__holding__code__iexact=query)
            | Q(water_bill__number__iexact=query)
            | Q(water_bill__connection__number__iexact=query)
            | Q(water_bill__connection__holding__code__iexact=query)
            | Q(application__reference__iexact=query)
            | Q(application__holding__code__iexact=query)
            | Q(transaction__tran_id__iexact=query)
            | Q(transaction__gateway_tran_id__iexact=query)
        )
    if method:
        payments = payments.filter(method=method)
    if status:
        payments = payments.filter(status=status)
    return payments.order_by("-received_at", "-id")


def transaction_by_tran_id(tran_id: str) -> PaymentTransaction | None:
    return (
        PaymentTransaction.objects.select_related("bill", "water_bill", "application")
        .filter(tran_id=tran_id)
        .first()
    )


def transactions_pending() -> QuerySet[PaymentTransaction]:
    return PaymentTransaction.objects.filter(
        state__in=[PaymentTransaction.State.INITIATED, PaymentTransaction.State.PENDING]
    ).select_related("bill", "water_bill", "application")


def bill_payment_status(bill: Document):
    """billing.pdf's PaymentStatus for ``bill``: paid in full or not, how much
    valid receipts credit, and the day of the last one when fully paid."""
    from backoffice.billing.pdf.payment_status import PaymentStatus

    valid = Payment.objects.filter(**document_filter(bill), status=Payment.Status.VALID)
    figures = valid.aggregate(total=Sum("amount"), last=Max("received_at"))
    paid_amount = figures["total"] or Decimal("0.00")
    paid = bill_is_paid(bill)
    paid_on = timezone.localdate(figures["last"]) if paid and figures["last"] else None
    return PaymentStatus(paid=paid, paid_amount=paid_amount, paid_on=paid_on)


def payments_of_bills(bill_ids: list[int], *, field: str = "bill") -> dict[int, list[Payment]]:
    """Each bill's receipts (valid and cancelled), oldest first: one query.
    ``field`` is "bill" (holding-tax bills) or "water_bill"."""
    if field not in ("bill", "water_bill"):
        raise ValueError(field)
    key = f"{field}_id"
    found: dict[int, list[Payment]] = {}
    payments = Payment.objects.filter(**{f"{key}__in": bill_ids}).order_by("received_at", "id")
    for payment in payments:
        found.setdefault(getattr(payment, key), []).append(payment)
    return found

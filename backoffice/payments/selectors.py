"""Reads for payments; other apps (the bill verification page, dues lists)
ask here whether a bill is paid."""

from decimal import Decimal

from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from backoffice.billing.models import Bill
from backoffice.payments.models import Payment, PaymentTransaction


def bill_paid_amount(bill: Bill) -> Decimal:
    """What valid (not cancelled) receipts credit to ``bill``."""
    total = Payment.objects.filter(bill=bill, status=Payment.Status.VALID).aggregate(
        s=Sum("amount")
    )["s"]
    return total or Decimal("0.00")


def bill_outstanding(bill: Bill) -> Decimal:
    return max(bill.total - bill_paid_amount(bill), Decimal("0.00"))


def bill_is_paid(bill: Bill) -> bool:
    return bill.total <= 0 or bill_paid_amount(bill) >= bill.total


def payment_by_receipt(number: str) -> Payment | None:
    return (
        Payment.objects.select_related(
            "bill__holding", "bill__run__period", "transaction", "received_by", "cancellation"
        )
        .filter(receipt_number=number)
        .first()
    )


def payment_search(*, query: str = "", method: str = "", status: str = "") -> QuerySet[Payment]:
    """Staff payment search: by receipt, bill, holding code or our/gateway
    transaction id."""
    payments = Payment.objects.select_related("bill__holding", "transaction", "received_by")
    query = (query or "").strip()
    if query:
        payments = payments.filter(
            Q(receipt_number__iexact=query)
            | Q(bill__number__iexact=query)
            | Q(bill__holding__code__iexact=query)
            | Q(transaction__tran_id__iexact=query)
            | Q(transaction__gateway_tran_id__iexact=query)
        )
    if method:
        payments = payments.filter(method=method)
    if status:
        payments = payments.filter(status=status)
    return payments.order_by("-received_at", "-id")


def transaction_by_tran_id(tran_id: str) -> PaymentTransaction | None:
    return PaymentTransaction.objects.select_related("bill").filter(tran_id=tran_id).first()


def transactions_pending() -> QuerySet[PaymentTransaction]:
    return PaymentTransaction.objects.filter(
        state__in=[PaymentTransaction.State.INITIATED, PaymentTransaction.State.PENDING]
    ).select_related("bill")


def bill_payment_status(bill: Bill):
    """billing.pdf's PaymentStatus for ``bill``: paid in full or not, how much
    valid receipts credit, and the day of the last one when fully paid."""
    from backoffice.billing.pdf.payment_status import PaymentStatus

    valid = Payment.objects.filter(bill=bill, status=Payment.Status.VALID)
    figures = valid.aggregate(total=Sum("amount"), last=Max("received_at"))
    paid_amount = figures["total"] or Decimal("0.00")
    paid = bill.total <= 0 or paid_amount >= bill.total
    paid_on = timezone.localdate(figures["last"]) if paid and figures["last"] else None
    return PaymentStatus(paid=paid, paid_amount=paid_amount, paid_on=paid_on)

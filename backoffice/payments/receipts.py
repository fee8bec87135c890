"""Receipts as signed bilingual PDFs: rendered with WeasyPrint like the bills
and signed (PAdES) with the municipality's revenue-chief identity through
billing's signing (backoffice/billing/pdf).  A receipt never changes except
its status; a cancelled receipt's PDF says so and names the cancellation
document.  Not cached: one receipt is printed once or twice."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.payments.documents import KIND_LABELS, document_view
from backoffice.payments.models import Payment

REASON = "Receipt for a payment received by the municipality"
TITLE = _("Money receipt")
LABELS = {
    "receipt": _("Receipt number"),
    "bill": _("Bill number"),
    "application": _("Application reference"),
    "fee": _("Payment for"),
    "holding": _("Holding code"),
    "connection": _("Water connection"),
    "period": _("Billing period"),
    "amount": _("Amount received (BDT)"),
    "received": _("Received on"),
    "method": _("Method"),
    "transaction": _("Transaction"),
    "payer": _("Paid by"),
    "signed": _("Digitally signed on behalf of the revenue chief."),
}
CANCELLED = _("Cancelled by document %(number)s on %(date)s.")


def receipt_pdf_available() -> bool:
    try:
        from backoffice.billing.pdf import signing

        return signing.signing_identity_active() is not None
    except ImportError:
        return False


def receipt_html(payment: Payment, *, head) -> str:
    from backoffice.billing.pdf.rendering import both, date_both, digits_both, money_both

    bill = document_view(payment.document)
    cancellation = getattr(payment, "cancellation", None)
    reference = LABELS["connection"] if payment.water_bill_id else LABELS["holding"]
    number = LABELS["application"] if payment.application_id else LABELS["bill"]
    facts = [
        (both(LABELS["receipt"]), digits_both(payment.receipt_number)),
        (both(number), digits_both(bill.number)),
    ]
    if payment.application_id:
        facts.append((both(LABELS["fee"]), both(KIND_LABELS["application"])))
    facts.append((both(reference), digits_both(bill.reference)))
    if bill.period:
        facts.append((both(LABELS["period"]), digits_both(bill.period)))
    facts += [
        (both(LABELS["amount"]), money_both(payment.amount)),
        (both(LABELS["received"]), date_both(timezone.localtime(payment.received_at).date())),
        (both(LABELS["method"]), both(Payment.Method(payment.method).label)),
    ]
    if payment.transaction_id:
        tran = payment.transaction
        facts.append((both(LABELS["transaction"]), (tran.tran_id, tran.tran_id)))
    if payment.payer_name:
        facts.append((both(LABELS["payer"]), (payment.payer_name, payment.payer_name)))
    note = None
    if cancellation is not None:
        day = timezone.localtime(cancellation.cancelled_at).date()
        note = both(CANCELLED, number=cancellation.number, date=day.isoformat())
    return render_to_string(
        "payments/receipt_pdf.html",
        {
            "head": head,
            "title": both(TITLE),
            "facts": facts,
            "note": note,
            "signed": both(LABELS["signed"]),
        },
    )


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt's signed PDF.  Raises signing.SigningUnavailable when the
    municipality has no signing identity."""
    from backoffice.billing.pdf import rendering, signing

    head = rendering.letterhead_current()
    loaded = signing.signer_current()
    pdf = rendering.html_to_pdf(receipt_html(payment, head=head))
    return signing.pdf_sign(pdf, loaded=loaded, reason=REASON, location=head.name_en)


def receipt_pdf_response(payment: Payment) -> HttpResponse:
    try:
        from backoffice.billing.pdf.signing import SigningUnavailable
    except ImportError:
        return HttpResponse("receipts cannot be signed here", status=503)
    try:
        data = receipt_pdf(payment)
    except SigningUnavailable:
        return HttpResponse("no signing certificate is installed", status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

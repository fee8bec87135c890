"""Staff pages: payment search, counter payments, pending transactions,
receipts and their cancellation (revenue chief only)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.payments import receipts, selectors, services
from backoffice.payments.adapters import GatewayError
from backoffice.payments.documents import (
    document_by_number,
    document_outstanding,
    document_paid,
    document_view,
)
from backoffice.payments.forms import CounterPaymentForm, PaymentSearchForm, ReceiptCancelForm
from tenants.permissions import role_required, user_has_role

VIEW_ROLES = ("revenue_collector", "revenue_chief", "municipal_admin")
COUNTER_ROLES = services.COUNTER_ROLES
CHIEF = services.CANCEL_ROLES


@role_required(*VIEW_ROLES, module="payments")
def payment_search(request):
    form = PaymentSearchForm(request.GET or None)
    payments = selectors.payment_search()
    if form.is_valid():
        payments = selectors.payment_search(
            query=form.cleaned_data["q"],
            method=form.cleaned_data["method"],
            status=form.cleaned_data["status"],
        )
    page = Paginator(payments, 50).get_page(request.GET.get("page"))
    return render(request, "payments/search.html", {"form": form, "page": page})


@role_required(*COUNTER_ROLES, module="payments")
@require_http_methods(["GET", "POST"])
def counter_payment(request):
    initial = {"bill": request.GET.get("bill", "")}
    form = CounterPaymentForm(request.POST or None, initial=initial)
    number = request.POST.get("bill") or request.GET.get("bill") or ""
    bill = document_by_number(number) if number else None
    if request.method == "POST" and form.is_valid():
        if bill is None:
            form.add_error("bill", ValidationError("no bill"))
        else:
            try:
                payment = services.counter_payment_record(
                    actor=request.user,
                    bill=bill,
                    amount=form.cleaned_data["amount"],
                    payer_name=form.cleaned_data["payer_name"],
                )
            except ValidationError as exc:
                form.add_error("amount", exc)
            else:
                return redirect("payments_staff:receipt", number=payment.receipt_number)
    context = {"form": form, "bill": document_view(bill) if bill is not None else None}
    if bill is not None:
        context.update(paid=document_paid(bill), outstanding=document_outstanding(bill))
    return render(request, "payments/counter.html", context)


@role_required(*VIEW_ROLES, module="payments")
def transaction_list(request):
    pending = selectors.transactions_pending()[:200]
    return render(
        request,
        "payments/transactions.html",
        {"pending": pending, "can_release": user_has_role(request.user, CHIEF)},
    )


def _pending_or_404(tran_id: str):
    tran = selectors.transaction_by_tran_id(tran_id)
    if tran is None:
        raise Http404
    return tran


@role_required(*VIEW_ROLES, module="payments")
@require_POST
def transaction_check(request, tran_id: str):
    """Ask the gateway now instead of waiting for the next reconciliation."""
    tran = _pending_or_404(tran_id)
    try:
        outcome = services.transaction_reconcile(tran_id=tran.tran_id).outcome
    except GatewayError:
        messages.error(request, _("The payment gateway could not be reached."))
    else:
        messages.info(request, _("Gateway answer: %(outcome)s") % {"outcome": outcome})
    return redirect("payments_staff:transactions")


@role_required(*CHIEF, module="payments")
@require_POST
def transaction_release(request, tran_id: str):
    """The revenue chief accepts a payment the gateway flagged as risky."""
    tran = _pending_or_404(tran_id)
    try:
        settlement = services.transaction_review_release(actor=request.user, tran=tran)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("payments_staff:transactions")
    return redirect("payments_staff:receipt", number=settlement.payment.receipt_number)


@role_required(*VIEW_ROLES, module="payments")
def receipt_detail(request, number: str):
    payment = selectors.payment_by_receipt(number)
    if payment is None:
        raise Http404
    return render(
        request,
        "payments/receipt.html",
        {
            "payment": payment,
            "bill": document_view(payment.document),
            "cancellation": getattr(payment, "cancellation", None),
            "can_cancel": user_has_role(request.user, CHIEF),
            "pdf_available": receipts.receipt_pdf_available(),
        },
    )


@role_required(*VIEW_ROLES, module="payments")
def receipt_pdf_view(request, number: str):
    payment = selectors.payment_by_receipt(number)
    if payment is None:
        raise Http404
    return receipts.receipt_pdf_response(payment)


@role_required(*CHIEF, module="payments")
@require_http_methods(["GET", "POST"])
def receipt_cancel_view(request, number: str):
    payment = selectors.payment_by_receipt(number)
    if payment is None:
        raise Http404
    form = ReceiptCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.receipt_cancel(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("payments_staff:receipt", number=payment.receipt_number)
    return render(request, "payments/receipt_cancel.html", {"payment": payment, "form": form})

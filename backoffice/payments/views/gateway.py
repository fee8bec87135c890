"""Where customers and gateways come back to us.  Nothing here trusts what
the browser or the notification says: every path ends in
services.transaction_settle, which asks the gateway's own API.  Only the
gateway's POSTs (return redirects and IPN) are CSRF-exempt; starting a
payment is an ordinary form with CSRF protection."""

import json
import logging

from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.payments import receipts, selectors, services
from backoffice.payments.adapters import GatewayError, adapter_get
from backoffice.payments.adapters.base import CallbackUrls
from backoffice.payments.documents import (
    document_by_number,
    document_is_public,
    document_outstanding,
    document_paid,
    document_superseded_by,
    document_view,
    is_application,
)
from backoffice.payments.forms import PayForm
from backoffice.payments.models import Gateway, PaymentTransaction

logger = logging.getLogger(__name__)
OUTCOMES = ("success", "fail", "cancel")


def _module_on() -> None:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        raise Http404
    if not tenant.has_module("payments"):
        raise Http404


def _gateway(slug: str) -> str:
    if slug not in Gateway.values:
        raise Http404
    return slug


def callback_urls(request, gateway: str) -> CallbackUrls:
    def absolute(name: str, *args) -> str:
        return request.build_absolute_uri(reverse(name, args=args))

    return CallbackUrls(
        success=absolute("payments:return", gateway, "success"),
        fail=absolute("payments:return", gateway, "fail"),
        cancel=absolute("payments:return", gateway, "cancel"),
        ipn=absolute("payments:ipn", gateway),
    )


@require_http_methods(["GET", "POST"])
def pay_start(request, number: str):
    """The bill's (or a new connection's fee's) outstanding amount and a
    choice of gateway; POST opens the gateway session and sends the customer
    there.  An application shows only its reference, holding, fee and state."""
    _module_on()
    bill = document_by_number(number)
    if bill is None or not document_is_public(bill):
        raise Http404
    if is_application(bill) and not connection.tenant.has_module("water"):
        raise Http404
    outstanding = document_outstanding(bill)
    newer = document_superseded_by(bill) if outstanding > 0 else None
    form = PayForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid() and outstanding > 0 and newer is None:
        gateway = form.cleaned_data["gateway"]
        try:
            tran = services.transaction_initiate(
                bill=bill, gateway=gateway, urls_for=lambda _t: callback_urls(request, gateway)
            )
        except services.ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if tran.state == PaymentTransaction.State.PENDING:
                return redirect(tran.redirect_url)
            error = "gateway"
    return render(
        request,
        "payments/pay.html",
        {
            "bill": document_view(bill),
            "paid": document_paid(bill),
            "outstanding": outstanding,
            "newer": newer,
            "form": form,
            "error": error,
        },
    )


def _settle(tran_id: str, params: dict, source: str):
    try:
        return services.transaction_settle(tran_id=tran_id, params=params, source=source)
    except GatewayError as exc:
        logger.warning("%s for %s: gateway unreachable (%s)", source, tran_id, exc)
        return None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def gateway_return(request, gateway: str, outcome: str):
    """The customer's browser, sent back by the gateway.  Never marks anything
    paid by itself: it only asks the gateway (server-side) what happened."""
    _module_on()
    gateway = _gateway(gateway)
    if outcome not in OUTCOMES:
        raise Http404
    params = request.POST.dict() if request.method == "POST" else request.GET.dict()
    tran_id = params.get("tran_id") or params.get("transId") or ""
    tran = selectors.transaction_by_tran_id(tran_id) if tran_id else None
    if tran is None or tran.gateway != gateway:
        raise Http404
    _settle(tran.tran_id, params, f"redirect:{outcome}")
    return redirect("payments:status", tran_id=tran.tran_id)


@csrf_exempt
@require_POST
def gateway_ipn(request, gateway: str):
    """The gateway's server-to-server notification (may come before or after
    the redirect, late, or many times at once)."""
    _module_on()
    gateway = _gateway(gateway)
    if gateway == Gateway.SSLCOMMERZ:
        params = request.POST.dict()
        tran_id = params.get("tran_id", "")
        try:
            signed = adapter_get(gateway).sign_ok(params)
        except GatewayError:
            signed = False
        if not signed:
            return HttpResponseBadRequest("bad verify_sign")
    else:
        try:
            params = json.loads(request.body or b"{}")
            tran_id = str((params.get("trnx_info") or {}).get("trnx_id") or "")
        except (ValueError, AttributeError):
            return HttpResponseBadRequest("bad notification")
    tran = selectors.transaction_by_tran_id(tran_id) if tran_id else None
    if tran is None or tran.gateway != gateway:
        # Not 404: outside /<lang>/ the locale middleware would redirect it.
        return HttpResponseBadRequest("unknown transaction")
    settlement = _settle(tran.tran_id, params if isinstance(params, dict) else {}, "ipn")
    if settlement is None:
        return HttpResponse("gateway unreachable, try again", status=503)
    return JsonResponse({"tran_id": tran.tran_id, "outcome": settlement.outcome})


def transaction_status(request, tran_id: str):
    """Where the customer lands: the transaction's state as we recorded it."""
    _module_on()
    tran = selectors.transaction_by_tran_id(tran_id)
    if tran is None:
        raise Http404
    payment = getattr(tran, "payment", None) if tran.state == tran.State.PAID else None
    return render(
        request,
        "payments/status.html",
        {
            "tran": tran,
            "bill": document_view(tran.document),
            "payment": payment,
            "pdf_available": receipts.receipt_pdf_available(),
        },
    )


def transaction_receipt(request, tran_id: str):
    """The signed receipt of a paid online payment (the transaction id is the
    customer's unguessable key; the receipt carries no personal data)."""
    _module_on()
    tran = selectors.transaction_by_tran_id(tran_id)
    payment = getattr(tran, "payment", None) if tran is not None else None
    if payment is None:
        raise Http404
    return receipts.receipt_pdf_response(payment)

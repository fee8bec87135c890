"""Thin views: the public verification page and trust certificate, the
bills API (DRF, staff token or session), and the staff print screens."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework import authentication, exceptions, permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.billing.models import BillRun
from backoffice.billing.pdf import rendering, selectors, services, signing
from backoffice.billing.pdf.documents import bill_kind_find, bill_kinds
from backoffice.billing.pdf.payment_status import payment_status_of
from backoffice.registry.codes import BANGLA_DIGITS, holding_code_normalise
from backoffice.registry.models import Ward
from maps.tokens import token_user
from tenants.audit.services import audit_event_record
from tenants.permissions import role_required, user_has_role

MODULE = "holdings"
API_ROLES = services.PRINT_ROLES
VERIFY_WINDOW_SECONDS = 10 * 60


def _municipality_host(request) -> None:
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        raise Http404
    if not tenant.has_module(MODULE):
        raise Http404


def _verify_allowed(request) -> bool:
    """Per address, so the page cannot be used to walk every bill number."""
    limit = getattr(settings, "IMIS_BILL_VERIFY_PER_WINDOW", 60)
    key = f"bill-verify:{request.META.get('REMOTE_ADDR') or '-'}"
    if cache.add(key, 1, VERIFY_WINDOW_SECONDS):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, VERIFY_WINDOW_SECONDS)
        count = 1
    return count <= limit


# --- Public --------------------------------------------------------------------


@require_GET
def bill_verify_form(request):
    """/bills/verify/: type a bill's number (as printed, Bangla digits too)
    instead of scanning its QR code."""
    _municipality_host(request)
    number = "".join(request.GET.get("number", "").split()).translate(BANGLA_DIGITS).upper()
    if number:
        if len(number) <= 24 and all(c.isalnum() or c == "-" for c in number):
            return redirect("bills:verify", number=number)
        error = _("A bill number has letters, digits and dashes, e.g. 2026-Q4-000123.")
    else:
        error = ""
    return render(request, "billing/verify_form.html", {"error": error})


@require_GET
def bill_verify(request, number: str):
    """/bills/verify/<NUMBER>/ (the bill's QR code): the essential figures and
    whether it is valid and paid; no owner, BIN or address."""
    _municipality_host(request)
    if not _verify_allowed(request):
        response = render(request, "billing/verify_throttled.html", status=429)
        response["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
        return response
    bill = selectors.bill_for_verification(number)
    if bill is not None:
        template = "billing/verify.html"
        context = {
            "bill": bill,
            "period": bill.run.period,
            "replaced_by": selectors.bill_replaced_by(bill),
        }
    else:  # another kind of bill (a water bill), through its hook
        found = bill_kind_find(number, request.tenant) if len(number) <= 24 else None
        if found is None:
            raise Http404
        template, context = found[0].verify_page(found[1])
        bill = found[1]
    identity = selectors.signing_identity_public()
    context.update(
        payment=payment_status_of(bill),
        identity=identity,
        fingerprint=(identity.fingerprint if identity else ""),
    )
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def signing_certificate(request):
    """/bills/signing-certificate.pem: the certificate a validator trusts
    (the municipality's CA, or the certificate itself), then the chain."""
    _municipality_host(request)
    identity = selectors.signing_identity_public()
    if identity is None:
        raise Http404
    body = signing.trust_anchor_pem(identity)
    response = HttpResponse(body, content_type="application/x-pem-file")
    response["Content-Disposition"] = (
        f'attachment; filename="{request.tenant.code}-bill-signing-ca.pem"'
    )
    return response


# --- API -----------------------------------------------------------------------


class StaffTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` with a staff API token of this
    municipality (maps.tokens, engineer E's per-user tokens)."""

    keyword = "token"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != self.keyword:
            return None
        user = token_user(key.strip())
        if user is None:
            raise exceptions.AuthenticationFailed("Token invalid")
        return (user, None)

    def authenticate_header(self, request):
        return 'Token realm="imis"'


class SessionNoCsrf(authentication.SessionAuthentication):
    """Staff signed in on the site (read-only endpoints: nothing to forge)."""

    def enforce_csrf(self, request):
        return None


class RevenueStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and user_has_role(
            request.user, API_ROLES
        )


class BillsApi(APIView):
    authentication_classes = [StaffTokenAuthentication, SessionNoCsrf]
    permission_classes = [RevenueStaff]
    renderer_classes = [JSONRenderer]
    imis_roles = API_ROLES
    imis_module = MODULE

    def initial(self, request, *args, **kwargs):
        _municipality_host(request)
        super().initial(request, *args, **kwargs)


def _bill_json(bill) -> dict:
    period = bill.run.period
    return {
        "type": "holding_tax",
        "number": bill.number,
        "kind": bill.kind,
        "status": bill.status,
        "holding": bill.holding.code if hasattr(bill, "holding") else None,
        "period": str(period),
        "total": str(bill.total),
        "arrears": str(bill.arrears),
        "surcharge": str(bill.surcharge),
        "rebate": str(bill.rebate),
        "due_on": bill.due_on.isoformat(),
        "issued_at": bill.issued_at.isoformat(),
        "replaces": bill.replaces.number if bill.replaces_id else None,
        "pdf": f"/api/v1/bills/{bill.number}/pdf",
        "verify": f"/bills/verify/{bill.number}/",
    }


class BillListApi(BillsApi):
    """GET /api/v1/bills/?holding=CODE: the holding's bills, newest first,
    then its other kinds of bill (water bills), each row with its "type"."""

    def get(self, request):
        raw = request.query_params.get("holding", "")
        try:
            code = holding_code_normalise(raw)
        except ValidationError as exc:
            return Response({"code": "invalid_holding", "description": exc.messages}, status=400)
        bills = selectors.bills_of_holding(code).select_related("holding", "replaces")
        results = [_bill_json(b) for b in bills]
        for kind in bill_kinds(request.tenant):
            results += kind.api_rows(code)
        return Response({"holding": code, "results": results})


class BillPdfApi(BillsApi):
    """GET /api/v1/bills/<NUMBER>/pdf: the signed PDF (staff copy, with the
    owners' names), from the cache or made now."""

    def get(self, request, number: str):
        bill = selectors.bill_by_number(number)
        audit = {"copy": "full"}
        if bill is not None:
            data = services.bill_pdf(bill=bill, copy=rendering.COPY_FULL)
        else:  # another kind of bill (a water bill), through its hook
            found = bill_kind_find(number, request.tenant) if len(number) <= 24 else None
            if found is None:
                raise exceptions.NotFound()
            kind, bill = found
            data = kind.pdf(bill, rendering.COPY_FULL)
            audit["type"] = kind.slug
        audit_event_record(actor=request.user, action="billing.bill_pdf_read", obj=bill, data=audit)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{bill.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


bill_list_api = BillListApi.as_view()
bill_pdf_api = BillPdfApi.as_view()


# --- Staff print batches ----------------------------------------------------------


@role_required(*services.PRINT_ROLES, module=MODULE)
@require_http_methods(["GET", "POST"])
def print_index(request):
    runs = list(selectors.issued_runs())
    run = None
    wanted = request.POST.get("run") or request.GET.get("run")
    if wanted:
        run = next((r for r in runs if str(r.pk) == wanted), None)
        if run is None:
            raise Http404
    elif runs:
        run = runs[0]
    if request.method == "POST":
        if run is None:
            raise Http404
        ward = Ward.objects.filter(pk=request.POST.get("ward") or 0).first()
        if ward is None:
            messages.error(request, _("Choose a ward."))
            context = _print_context(runs, run)
            return render(request, "billing/print_index.html", context, status=400)
        try:
            batch = services.print_batch_request(actor=request.user, run=run, ward=ward)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return redirect(f"{request.path}?run={run.pk}")
        return redirect("billing_pdf:print_batch", pk=batch.pk)
    return render(request, "billing/print_index.html", _print_context(runs, run))


def _print_context(runs, run: BillRun | None) -> dict:
    wards = []
    if run is not None:
        batches = selectors.print_batches(run)
        wards = [
            {
                "id": row["holding__ward_id"],
                "number": row["holding__ward__number"],
                "bills": row["bills"],
                "batch": batches.get(row["holding__ward_id"]),
            }
            for row in selectors.run_ward_counts(run)
        ]
    return {"runs": runs, "run": run, "wards": wards}


@role_required(*services.PRINT_ROLES, module=MODULE)
@require_GET
def print_batch(request, pk: int):
    batch = selectors.print_batch_get(pk)
    if batch is None:
        raise Http404
    back = f"{reverse('billing_pdf:print_index')}?run={batch.run_id}"
    download = reverse("billing_pdf:print_batch_download", args=[batch.pk])
    return print_batch_page(request, batch, period=batch.run.period, back=back, download=download)


def print_batch_page(request, batch, *, period, back: str, download: str):
    """A batch's state and progress (the page reloads itself until it is
    finished) and, when done, its download link; for any kind of bill."""
    context = {"batch": batch, "period": period, "back_url": back, "download_url": download}
    return render(request, "billing/print_batch.html", context)


@role_required(*services.PRINT_ROLES, module=MODULE)
@require_GET
def print_batch_download(request, pk: int):
    batch = get_object_or_404(selectors.print_batches_all(), pk=pk)
    return print_batch_file(request, batch, period=batch.run.period)


def print_batch_file(request, batch, *, period):
    """The batch's signed PDF as an attachment (audited); 404 until made."""
    if not batch.file:
        raise Http404
    audit_event_record(actor=request.user, action="billing.print_batch_downloaded", obj=batch)
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=f"{request.tenant.code}-{period}-ward-{batch.ward.number}.pdf",
        content_type="application/pdf",
    )

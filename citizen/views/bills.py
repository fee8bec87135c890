"""A citizen looks up a holding's bills by holding code (Bangla digits too),
downloads a bill's signed public copy and pays what is due online.  No
account: the look-up shows the bills' figures only, like the verification
page.  The owner's copy of a bill (it names the owners) and the receipts
(they may name who paid) are shown only after a one-time code sent to a
phone on record for the holding's owners is typed back; the phone itself
is never shown, only its last digits."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from backoffice.billing.models import Bill
from backoffice.billing.pdf import rendering
from backoffice.billing.pdf import services as bill_pdfs
from backoffice.billing.pdf.signing import SigningUnavailable
from backoffice.billing.selectors import bills_of_holding
from backoffice.payments import receipts
from backoffice.payments import selectors as payments
from backoffice.payments.documents import (
    application_reference_normalise,
    document_by_number,
    document_is_public,
    is_application,
    water_bills_of_holding,
)
from backoffice.registry.codes import holding_code_normalise
from backoffice.registry.models import Holding
from backoffice.water.models import WaterBill
from backoffice.water.pdf import water_bill_pdf
from citizen.models import OneTimeCode
from citizen.throttle import lookup_allowed
from citizen.views.common import code_send, code_step, session_prove, session_proved
from tenants.audit.services import audit_event_record

OWNER = OneTimeCode.Purpose.BILL_OWNER
PENDING_KEY, PROVED_KEY = "bill_owner_pending", "bill_owner_holdings"
PROVED_FOR = 30 * 60  # seconds a proved holding stays open in this session


class BillLookupForm(forms.Form):
    holding_code = forms.CharField(
        label=gettext_lazy("Holding code"),
        max_length=40,
        help_text=gettext_lazy("As printed on your bill, e.g. 01-001-0003-00."),
    )

    def clean_holding_code(self) -> str:
        return holding_code_normalise(self.cleaned_data["holding_code"])


def _public_bills_on() -> None:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        raise Http404
    if not tenant.has_module("holdings"):
        raise Http404


def _rows(code: str) -> list[dict]:
    """Newest first; only the latest bill is payable (it carries what the
    older ones still owe as arrears)."""
    rows = []
    bills = bills_of_holding(code).exclude(kind=Bill.Kind.CANCELLATION)
    for index, bill in enumerate(bills.filter(status=Bill.Status.ISSUED)[:12]):
        rows.append(
            {
                "bill": bill,
                "paid": payments.bill_paid_amount(bill),
                "outstanding": payments.bill_outstanding(bill),
                "is_paid": payments.bill_is_paid(bill),
                "carried": index > 0,
            }
        )
    return rows


def _water_rows(code: str) -> list[dict]:
    latest: set[int] = set()  # each connection's newest bill is the payable one
    rows = []
    for bill in water_bills_of_holding(code):
        rows.append(
            {
                "bill": bill,
                "outstanding": payments.bill_outstanding(bill),
                "is_paid": payments.bill_is_paid(bill),
                "carried": bill.connection_id in latest,
            }
        )
        latest.add(bill.connection_id)
    return rows


def _application_lookup(request, text: str) -> tuple[HttpResponse | None, str]:
    """A new water connection's fee by its reference (WA-..., Bangla digits
    too): to the pay page, which shows only the reference, holding, fee and
    state.  Submitted (undecided) applications are not found."""
    if not lookup_allowed(request, "bills"):
        return None, _("Too many look-ups. Please try again later.")
    reference = application_reference_normalise(text)
    app = document_by_number(reference) if reference else None
    if app is None or not is_application(app) or not document_is_public(app):
        return None, _("No approved application has this reference.")
    return redirect("payments:pay", number=app.reference), ""


def bill_lookup(request):
    _public_bills_on()
    if not request.tenant.has_module("payments"):
        raise Http404
    application, application_error = request.GET.get("application", "").strip()[:40], ""
    if application and request.tenant.has_module("water"):
        response, application_error = _application_lookup(request, application)
        if response is not None:
            return response
    form = BillLookupForm(request.GET if "holding_code" in request.GET else None)
    rows, water_rows, code = None, None, ""
    if request.GET and form.is_valid():
        if not lookup_allowed(request, "bills"):
            form.add_error(None, ValidationError(_("Too many look-ups. Please try again later.")))
        else:
            code = form.cleaned_data["holding_code"]
            rows = _rows(code)
            if request.tenant.has_module("water"):
                water_rows = _water_rows(code)
    return render(
        request,
        "citizen/bills/lookup.html",
        {
            "form": form,
            "rows": rows,
            "water_rows": water_rows,
            "code": code,
            "application": application,
            "application_error": application_error,
            "water": request.tenant.has_module("water"),
        },
    )


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _bill_of_public(number: str) -> Bill | WaterBill:
    """An issued holding-tax or water bill (not a cancellation)."""
    bill = document_by_number(number)
    if bill is None or getattr(bill, "status", "") != "issued" or bill.kind == "cancellation":
        raise Http404
    if isinstance(bill, WaterBill) and not connection.tenant.has_module("water"):
        raise Http404
    return bill


def _holding_code_of(bill: Bill | WaterBill) -> str:
    return bill.connection.holding.code if isinstance(bill, WaterBill) else bill.holding.code


def _signed_pdf(bill: Bill | WaterBill, copy: str) -> bytes:
    if isinstance(bill, WaterBill):
        return water_bill_pdf(bill=bill, copy=copy)
    return bill_pdfs.bill_pdf(bill=bill, copy=copy)


@require_GET
def bill_public_pdf(request, number: str):
    """The signed public copy (no owners' names): anyone with the bill."""
    _public_bills_on()
    if not lookup_allowed(request, "bill-pdf"):
        return render(request, "citizen/fsm/throttled.html", status=429)
    bill = _bill_of_public(number)
    try:
        data = _signed_pdf(bill, rendering.COPY_PUBLIC)
    except SigningUnavailable:
        return HttpResponse(_("Bills cannot be signed at the moment."), status=503)
    return _pdf_response(data, f"{bill.number}.pdf")


# --- the owner's copy, after a code to a phone on record ---------------------


def _holding(code: str) -> Holding:
    try:
        code = holding_code_normalise(code)
    except ValidationError:
        raise Http404 from None
    holding = Holding.objects.filter(code=code).first()
    if holding is None:
        raise Http404
    return holding


def _phones_on_record(holding: Holding) -> list[str]:
    """The owners' phones, each once, in a stable order."""
    phones = holding.owners.exclude(phone="").order_by("pk").values_list("phone", flat=True)
    return list(dict.fromkeys(phones))


def _masked(phone: str) -> str:
    return "*" * max(len(phone) - 3, 0) + phone[-3:]


def holding_proved(request, code: str) -> bool:
    return session_proved(request, PROVED_KEY, code, seconds=PROVED_FOR)


def _holding_prove(request, code: str) -> None:
    session_prove(request, PROVED_KEY, code, seconds=PROVED_FOR)


class PhoneChoiceForm(forms.Form):
    """Which phone on record gets the code: by its place in the list, so
    the number itself never reaches the page."""

    phone = forms.TypedChoiceField(label=gettext_lazy("Send the code to"), coerce=int)

    def __init__(self, *args, phones: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].choices = [(i, _masked(p)) for i, p in enumerate(phones)]
        self.fields["phone"].widget = forms.RadioSelect(choices=self.fields["phone"].choices)
        if phones:
            self.fields["phone"].initial = 0


def holding_owner(request, code: str):
    """Proved: the owners, address, bills (owner's copies) and receipts.
    Not yet: choose a phone on record and get a code."""
    _public_bills_on()
    holding = _holding(code)
    if holding_proved(request, holding.code):
        return _owner_page(request, holding)
    phones = _phones_on_record(holding)
    form = PhoneChoiceForm(request.POST or None, phones=phones)
    if request.method == "POST" and phones and form.is_valid():
        if not lookup_allowed(request, "bill-owner"):
            form.add_error(None, _("Too many look-ups. Please try again later."))
        else:
            phone = phones[form.cleaned_data["phone"]]
            problem = code_send(phone, OWNER)
            if problem is None:
                request.session[PENDING_KEY] = {"code": holding.code, "phone": phone}
                return redirect("citizen_bills:owner_verify", code=holding.code)
            form.add_error(None, problem.messages[0])
    return render(
        request,
        "citizen/bills/owner_start.html",
        {"holding": holding, "form": form, "has_phones": bool(phones)},
    )


def holding_owner_verify(request, code: str):
    _public_bills_on()
    holding = _holding(code)
    pending = request.session.get(PENDING_KEY) or {}
    if pending.get("code") != holding.code:
        return redirect("citizen_bills:owner", code=holding.code)

    def done():
        request.session.pop(PENDING_KEY, None)
        _holding_prove(request, holding.code)
        audit_event_record(
            actor=None,
            action="billing.owner_copy_opened",
            obj=holding,
            data={"by": "citizen", "phone_last_digits": pending["phone"][-3:]},
        )
        return redirect("citizen_bills:owner", code=holding.code)

    return code_step(
        request,
        phone=pending["phone"],
        purpose=OWNER,
        template="citizen/bills/owner_verify.html",
        done=done,
    )


def _owner_page(request, holding: Holding):
    bills = list(
        bills_of_holding(holding.code)
        .filter(status=Bill.Status.ISSUED)
        .exclude(kind=Bill.Kind.CANCELLATION)[:12]
    )
    receipts_of = payments.payments_of_bills([bill.pk for bill in bills])
    water = request.tenant.has_module("water")
    return render(
        request,
        "citizen/bills/owner.html",
        {
            "holding": holding,
            "owners": list(holding.owners.order_by("pk")),
            "rows": [
                {
                    "bill": bill,
                    "outstanding": payments.bill_outstanding(bill),
                    "receipts": receipts_of.get(bill.pk, []),
                }
                for bill in bills
            ],
            "water_rows": _owner_water_rows(holding) if water else [],
        },
    )


def _owner_water_rows(holding: Holding) -> list[dict]:
    bills = water_bills_of_holding(holding.code)
    receipts_of = payments.payments_of_bills([bill.pk for bill in bills], field="water_bill")
    return [
        {
            "bill": bill,
            "outstanding": payments.bill_outstanding(bill),
            "receipts": receipts_of.get(bill.pk, []),
        }
        for bill in bills
    ]


def _proved_or_back(request, code: str) -> HttpResponse | None:
    if holding_proved(request, code):
        return None
    return redirect(reverse("citizen_bills:owner", kwargs={"code": code}))


@require_GET
def bill_owner_pdf(request, number: str):
    """The owner's copy (it names the owners): only in a proved session."""
    _public_bills_on()
    bill = _bill_of_public(number)
    back = _proved_or_back(request, _holding_code_of(bill))
    if back is not None:
        return back
    try:
        data = _signed_pdf(bill, rendering.COPY_FULL)
    except SigningUnavailable:
        return HttpResponse(_("Bills cannot be signed at the moment."), status=503)
    audit_event_record(
        actor=None, action="billing.bill_pdf_read", obj=bill, data={"copy": "full", "by": "citizen"}
    )
    return _pdf_response(data, f"{bill.number}.pdf")


@require_GET
def receipt_owner_pdf(request, number: str):
    """A receipt of one of the holding's bills: only in a proved session."""
    _public_bills_on()
    payment = payments.payment_by_receipt(number)
    if payment is None:
        raise Http404
    back = _proved_or_back(request, _holding_code_of(payment.document))
    if back is not None:
        return back
    return receipts.receipt_pdf_response(payment)

"""A citizen looks up a holding's bills by holding code (Bangla digits too)
and pays what is due online.  No account and no personal data: the page
shows the bills' figures only, like the bill verification page, and the
look-ups per address are limited like the other public look-ups."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.billing.models import Bill
from backoffice.billing.selectors import bills_of_holding
from backoffice.payments import selectors as payments
from backoffice.registry.codes import holding_code_normalise
from citizen.throttle import lookup_allowed


class BillLookupForm(forms.Form):
    holding_code = forms.CharField(
        label=gettext_lazy("Holding code"),
        max_length=40,
        help_text=gettext_lazy("As printed on your bill, e.g. 01-001-0003-00."),
    )

    def clean_holding_code(self) -> str:
        return holding_code_normalise(self.cleaned_data["holding_code"])


def _rows(code: str) -> list[dict]:
    rows = []
    bills = bills_of_holding(code).exclude(kind=Bill.Kind.CANCELLATION)
    for bill in bills.filter(status=Bill.Status.ISSUED)[:12]:
        rows.append(
            {
                "bill": bill,
                "paid": payments.bill_paid_amount(bill),
                "outstanding": payments.bill_outstanding(bill),
                "is_paid": payments.bill_is_paid(bill),
            }
        )
    return rows


def bill_lookup(request):
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        raise Http404
    if not (tenant.has_module("holdings") and tenant.has_module("payments")):
        raise Http404
    form = BillLookupForm(request.GET or None)
    rows, code = None, ""
    if request.GET and form.is_valid():
        if not lookup_allowed(request, "bills"):
            form.add_error(None, ValidationError(_("Too many look-ups. Please try again later.")))
        else:
            code = form.cleaned_data["holding_code"]
            rows = _rows(code)
    return render(request, "citizen/bills/lookup.html", {"form": form, "rows": rows, "code": code})

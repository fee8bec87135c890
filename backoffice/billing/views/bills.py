"""One holding-tax bill: its figures, the documents that replace it or that
it replaces, and, for the revenue chief, a correction (a new document with
the holding's current or a stated annual value) or a cancellation (a new
document that reverses it).  The bill itself never changes except its
status (billing.services)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backoffice.billing import services
from backoffice.billing.models import COMPONENT_LABELS, Bill
from backoffice.billing.views import access


class BillChangeForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=[
            ("correct", gettext_lazy("Issue a correction")),
            ("cancel", gettext_lazy("Cancel the bill")),
        ],
        widget=forms.RadioSelect,
    )
    annual_value = forms.DecimalField(
        label=gettext_lazy("Annual value for the correction (BDT)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=gettext_lazy("Empty: the holding's current annual value."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=forms.Textarea)


def _bill(number: str) -> Bill:
    bill = (
        Bill.objects.select_related("holding__ward", "run__period", "replaces")
        .defer("holding__ward__boundary")
        .filter(number=number)
        .first()
    )
    if bill is None:
        raise Http404
    return bill


@access.required(access.READERS)
@require_http_methods(["GET", "POST"])
def bill_detail(request, number: str):
    bill = _bill(number)
    may_change = access.abilities(request.user)["approve"]
    form = BillChangeForm(request.POST or None) if may_change else None
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "correct":
                    made = services.bill_correct(
                        actor=request.user,
                        bill=bill,
                        reason=data["reason"],
                        annual_value=data["annual_value"],
                    )
                else:
                    made = services.bill_cancel(
                        actor=request.user, bill=bill, reason=data["reason"]
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Document %(number)s issued; bill %(old)s is cancelled.")
                    % {"number": made.number, "old": bill.number},
                )
                return redirect("billing_staff:bill", number=made.number)
    lines = [
        (COMPONENT_LABELS.get(line["code"], line["code"]), line["amount"]) for line in bill.lines
    ]
    return access.render(
        request,
        "billing/staff/bill_detail.html",
        {
            "bill": bill,
            "period": bill.run.period,
            "lines": lines,
            "replaced_by": Bill.objects.filter(replaces=bill).order_by("id").first(),
            "form": form,
            "changeable": bill.status == Bill.Status.ISSUED and bill.kind != Bill.Kind.CANCELLATION,
        },
    )

"""Tax rates per holding type: read by revenue staff and the viewer, set by
the revenue chief or the municipal admin (audited; issued bills keep the
rates they were made with)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.billing import configuration
from backoffice.billing.forms import TaxRateForm
from backoffice.billing.models import TaxRate
from backoffice.billing.views import access
from backoffice.registry.choices import HoldingType


@access.required(access.READERS)
@require_GET
def rate_list(request):
    rates = {rate.holding_type: rate for rate in TaxRate.objects.all()}
    rows = [
        {"type": value, "label": label, "rate": rates.get(value)}
        for value, label in HoldingType.choices
    ]
    return access.render(
        request,
        "billing/staff/rate_list.html",
        {"rows": rows},
    )


@access.required(access.RATE_WRITERS)
@require_http_methods(["GET", "POST"])
def rate_edit(request, holding_type: str):
    labels = dict(HoldingType.choices)
    if holding_type not in labels:
        raise Http404
    rate = TaxRate.objects.filter(holding_type=holding_type).first()
    instance = rate or TaxRate(holding_type=holding_type)
    form = TaxRateForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in TaxRateForm.Meta.fields}
        try:
            configuration.tax_rate_save(actor=request.user, holding_type=holding_type, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Tax rates for %(type)s saved.") % {"type": labels[holding_type]},
            )
            return redirect("billing_staff:rates")
    return access.render(
        request,
        "billing/staff/rate_form.html",
        {"form": form, "label": labels[holding_type], "new": rate is None},
    )

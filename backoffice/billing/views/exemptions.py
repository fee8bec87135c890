"""Exemptions from holding tax: the list (in force on a day, or all), a
grant form and ending one; the revenue chief and the municipal admin only
(backoffice/billing/exemptions.py checks the roles again and audits)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.billing import exemptions
from backoffice.billing.forms import ExemptionEndForm, ExemptionFilterForm, ExemptionGrantForm
from backoffice.billing.models import Exemption
from backoffice.billing.views import access

PER_PAGE = 50


@access.required(access.EXEMPTION_ROLES)
@require_GET
def exemption_list(request):
    form = ExemptionFilterForm(request.GET or None)
    day = timezone.localdate()
    show_all = False
    if form.is_valid():
        day = form.cleaned_data["on"] or day
        show_all = form.cleaned_data["all"]
    if show_all:
        rows = Exemption.objects.select_related("holding", "granted_by", "ended_by").order_by(
            "holding__code", "-starts_on"
        )
    else:
        rows = exemptions.exemptions_active(on=day)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return access.render(
        request,
        "billing/staff/exemption_list.html",
        {"form": form, "page": page, "day": day, "show_all": show_all},
    )


@access.required(access.EXEMPTION_ROLES)
@require_http_methods(["GET", "POST"])
def exemption_grant(request):
    form = ExemptionGrantForm(
        request.POST or None, initial={"starts_on": timezone.localdate().isoformat()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            exemption = exemptions.exemption_grant(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Holding %(code)s is exempt from %(day)s.")
                % {"code": exemption.holding.code, "day": exemption.starts_on.isoformat()},
            )
            return redirect("billing_staff:exemptions")
    return access.render(request, "billing/staff/exemption_form.html", {"form": form})


@access.required(access.EXEMPTION_ROLES)
@require_http_methods(["GET", "POST"])
def exemption_end(request, pk: int):
    exemption = Exemption.objects.select_related("holding").filter(pk=pk).first()
    if exemption is None:
        raise Http404
    form = ExemptionEndForm(
        request.POST or None, initial={"ends_on": timezone.localdate().isoformat()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            exemptions.exemption_end(
                actor=request.user, exemption=exemption, ends_on=form.cleaned_data["ends_on"]
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("The exemption of holding %(code)s is ended.") % {"code": exemption.holding.code},
            )
            return redirect("billing_staff:exemptions")
    return access.render(
        request, "billing/staff/exemption_end.html", {"form": form, "exemption": exemption}
    )


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)

"""Bill runs: the periods and their runs, a new period, preparing a run,
its review (totals by ward, exceptions), approval (revenue chief only),
issuing in the worker with progress, and an issued run's bills."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.billing import configuration, run_selectors, services
from backoffice.billing.forms import PeriodForm
from backoffice.billing.models import BillRun
from backoffice.billing.views import access
from backoffice.registry.views.common import cursor
from backoffice.registry.views.paging import keyset_page

EXCEPTIONS_PER_PAGE = 50
PROBLEMS = {
    "no_rate": gettext_lazy("No tax rate for this holding type"),
    "zero_annual_value": gettext_lazy("Annual value is zero"),
    "exempt": gettext_lazy("Exempt this period: no current charges"),
}


def _get(selector, pk):
    try:
        return selector(pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


@access.required(access.READERS)
@require_GET
def run_list(request):
    return access.render(
        request,
        "billing/staff/run_list.html",
        {"periods": run_selectors.period_list()},
    )


@access.required(access.RUN_EDITORS)
@require_http_methods(["GET", "POST"])
def period_create(request):
    initial = PeriodForm.next_quarter(run_selectors.period_latest())
    form = PeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            period = configuration.billing_period_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Billing period %(period)s opened.") % {"period": period})
            return redirect("billing_staff:runs")
    return access.render(request, "billing/staff/period_form.html", {"form": form})


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@access.required(access.RUN_EDITORS)
@require_POST
def run_prepare(request, period_pk: int):
    period = _get(run_selectors.period_get, period_pk)
    try:
        run = services.bill_run_prepare(actor=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("billing_staff:runs")
    return redirect("billing_staff:run", pk=run.pk)


@access.required(access.READERS)
@require_GET
def run_detail(request, pk: int):
    run = _get(run_selectors.run_get, pk)
    exceptions = [
        {**row, "label": PROBLEMS.get(row.get("problem"), row.get("problem"))}
        for row in run.exceptions or []
    ]
    page = Paginator(exceptions, EXCEPTIONS_PER_PAGE).get_page(request.GET.get("page"))
    queued = run.state == BillRun.State.APPROVED and run_selectors.run_issue_queued(run)
    issuing = run.state == BillRun.State.ISSUING or queued
    return access.render(
        request,
        "billing/staff/run_detail.html",
        {
            "run": run,
            "period": run.period,
            "wards": run_selectors.run_ward_totals(run),
            "exceptions": page,
            "issuing": issuing,
            "progress": services.bill_run_progress(run),
        },
    )


@access.required(access.APPROVERS)
@require_POST
def run_approve(request, pk: int):
    run = _get(run_selectors.run_get, pk)
    try:
        services.bill_run_approve(actor=request.user, run=run)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The bill run is approved."))
    return redirect("billing_staff:run", pk=run.pk)


@access.required(access.RUN_EDITORS)
@require_POST
def run_issue(request, pk: int):
    run = _get(run_selectors.run_get, pk)
    if run.state == BillRun.State.ISSUED:
        messages.info(request, _("This bill run is already issued."))
        return redirect("billing_staff:run", pk=run.pk)
    try:
        with transaction.atomic():
            services.bill_run_issue_queue(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The bills are being issued."))
    return redirect("billing_staff:run", pk=run.pk)


@access.required(access.READERS)
@require_GET
def run_progress(request, pk: int):
    """Polled by the review page while the worker issues (JSON)."""
    run = _get(run_selectors.run_get, pk)
    response = JsonResponse(
        {
            "state": run.state,
            "state_label": run.get_state_display(),
            "progress": services.bill_run_progress(run),
            "bills": run.bill_count,
            "holdings": run.holding_count,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@access.required(access.READERS)
@require_GET
def run_bills(request, pk: int):
    run = _get(run_selectors.run_get, pk)
    ward = request.GET.get("ward", "")
    ward = int(ward) if ward.isdigit() else None
    page = keyset_page(
        run_selectors.run_bills(run, ward=ward),
        key="number",
        after=cursor(request.GET, "after"),
        before=cursor(request.GET, "before"),
    )
    return access.render(
        request,
        "billing/staff/run_bills.html",
        {"run": run, "period": run.period, "page": page, "ward": ward},
    )

"""Monthly water bill runs: the list and preparing one, its review (totals
by ward, exceptions), approval (revenue chief only), issuing in the worker
with progress, and an issued run's ward print batches (billing's batch
task, one signed multi-page PDF a ward)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.billing.pdf import selectors as pdf_selectors
from backoffice.billing.pdf.views import print_batch_file, print_batch_page
from backoffice.registry.models import Ward
from backoffice.water import runs, selectors, services
from backoffice.water.forms import PrepareForm
from backoffice.water.models import WaterBill, WaterBillingPeriod, WaterBillRun
from backoffice.water.pdf import water_print_batch_request
from backoffice.water.views import access
from backoffice.water.views.common import error_messages, form_errors, get_or_404

PROBLEMS = {
    "missing_reading": gettext_lazy("No reading this month: billed the minimum charge"),
    "flagged_reading": gettext_lazy("Reading flagged for review"),
    "no_meter": gettext_lazy("Metered, but no meter installed"),
    "no_slabs": gettext_lazy("The tariff category has no slabs"),
}


@access.run_readers_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    can = access.abilities(request.user)
    form = PrepareForm(request.POST or None)
    if request.method == "POST":
        if not can["run_work"]:
            raise PermissionDenied
        if form.is_valid():
            year, month = form.cleaned_data["year"], form.cleaned_data["month"]
            try:
                with transaction.atomic():
                    period = WaterBillingPeriod.objects.filter(year=year, month=month).first()
                    if period is None:
                        period = services.period_create(actor=request.user, year=year, month=month)
                    run = runs.water_run_prepare(actor=request.user, period=period)
            except ValidationError as error:
                form_errors(form, error)
            else:
                return redirect("water:run_detail", pk=run.pk)
    periods = WaterBillingPeriod.objects.select_related("run").order_by("-year", "-month")[:36]
    return render(request, "water/run_list.html", {"periods": periods, "form": form, "can": can})


@access.run_readers_required
@require_GET
def run_detail(request, pk: int):
    run = get_or_404(selectors.run_list(), pk=pk)
    exceptions = [
        {**row, "label": PROBLEMS.get(row.get("problem"), row.get("problem"))}
        for row in (run.exceptions or [])[:500]
    ]
    can = access.abilities(request.user)
    batches = {}
    if run.state == WaterBillRun.State.ISSUED and can["pdf"]:
        batches = {b.ward.number: b for b in pdf_selectors.kind_batches("water", run.pk)}
    wards = [
        {
            "ward": int(k),
            "count": v["count"],
            "total": v["total"],
            "m3": v.get("m3", "0"),
            "batch": batches.get(int(k)),
        }
        for k, v in sorted((run.totals_by_ward or {}).items(), key=lambda kv: int(kv[0]))
    ]
    return render(
        request,
        "water/run_detail.html",
        {
            "run": run,
            "period": run.period,
            "wards": wards,
            "exceptions": exceptions,
            "exception_count": len(run.exceptions or []),
            "progress": runs.water_run_progress(run),
            "summary": runs.run_summary(run) if run.state == WaterBillRun.State.ISSUED else None,
            "bills": list(
                WaterBill.objects.filter(run=run)
                .select_related("connection")
                .order_by("number")[:50]
            )
            if run.state == WaterBillRun.State.ISSUED
            else [],
            "can": can,
            "print_batches": run.state == WaterBillRun.State.ISSUED and can["pdf"],
        },
    )


@access.run_workers_required
@require_POST
def run_prepare_again(request, pk: int):
    run = get_or_404(selectors.run_list(), pk=pk)
    try:
        runs.water_run_prepare(actor=request.user, period=run.period)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The run's figures are prepared again."))
    return redirect("water:run_detail", pk=run.pk)


@access.approvers_required
@require_POST
def run_approve(request, pk: int):
    run = get_or_404(selectors.run_list(), pk=pk)
    try:
        runs.water_run_approve(actor=request.user, run=run)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The water bill run is approved."))
    return redirect("water:run_detail", pk=run.pk)


@access.run_workers_required
@require_POST
def run_issue(request, pk: int):
    run = get_or_404(selectors.run_list(), pk=pk)
    if run.state == WaterBillRun.State.ISSUED:
        messages.info(request, _("This water bill run is already issued."))
        return redirect("water:run_detail", pk=run.pk)
    try:
        with transaction.atomic():
            runs.water_run_issue_queue(actor=request.user, run=run)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The water bills are being issued."))
    return redirect("water:run_detail", pk=run.pk)


@access.run_readers_required
@require_GET
def run_progress(request, pk: int):
    """Polled by the run page while the worker issues (JSON)."""
    run = get_or_404(WaterBillRun.objects.all(), pk=pk)
    response = JsonResponse(
        {
            "state": run.state,
            "progress": runs.water_run_progress(run),
            "bills": run.bill_count,
            "connections": run.connection_count,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@access.approvers_required
@require_POST
def bill_cancel(request, pk: int, number: str):
    """The revenue chief cancels an issued bill with a new document."""
    bill = get_or_404(WaterBill.objects.filter(run_id=pk), number=number)
    reason = (request.POST.get("reason") or "").strip()[:300]
    if not reason:
        messages.error(request, _("Say why the bill is cancelled."))
        return redirect("water:run_detail", pk=pk)
    try:
        cancellation = runs.water_bill_cancel(actor=request.user, bill=bill, reason=reason)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Bill %(bill)s cancelled by %(doc)s.")
            % {"bill": bill.number, "doc": cancellation.number},
        )
    return redirect("water:run_detail", pk=pk)


@access.printers_required
@require_POST
def run_print_batch(request, pk: int):
    """Queue the ward's print batch of an issued run (or find the one there
    is) and show it."""
    run = get_or_404(selectors.run_list(), pk=pk)
    ward = Ward.objects.filter(number=request.POST.get("ward") or 0).first()
    if ward is None:
        messages.error(request, _("Choose a ward."))
        return redirect("water:run_detail", pk=run.pk)
    try:
        batch = water_print_batch_request(actor=request.user, run=run, ward=ward)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect("water:run_detail", pk=run.pk)
    return redirect("water:print_batch", pk=run.pk, batch=batch.pk)


def _batch(pk: int, batch: int):
    run = get_or_404(selectors.run_list(), pk=pk)
    found = pdf_selectors.kind_batches("water", run.pk).filter(pk=batch).first()
    if found is None:
        raise Http404
    return run, found


@access.printers_required
@require_GET
def print_batch(request, pk: int, batch: int):
    run, found = _batch(pk, batch)
    back = reverse("water:run_detail", args=[run.pk])
    download = reverse("water:print_batch_download", args=[run.pk, found.pk])
    return print_batch_page(request, found, period=run.period, back=back, download=download)


@access.printers_required
@require_GET
def print_batch_download(request, pk: int, batch: int):
    run, found = _batch(pk, batch)
    return print_batch_file(request, found, period=f"water-{run.period}")

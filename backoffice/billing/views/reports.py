"""Dues by ward (revenue staff) and the collection report (revenue chief,
municipal admin, viewer), each with CSV and Excel exports that are
audited and written by the registry's export writers (CSV with a BOM
streamed by COPY, Excel write-only)."""

import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from backoffice.billing import dues, reports
from backoffice.billing.forms import CollectionForm, DuesFilterForm
from backoffice.billing.views import access
from backoffice.registry.exporting import services as exporting
from backoffice.registry.models import Ward
from backoffice.registry.views.common import cursor, query_without_paging
from tenants.audit.services import audit_event_record

FORMATS = ("csv", "xlsx")


def _wards():
    return list(Ward.objects.defer("boundary").order_by("number"))


def _dues_filters(request) -> tuple[DuesFilterForm, dues.DuesFilters]:
    form = DuesFilterForm(request.GET or None, wards=_wards())
    filters = dues.DuesFilters()
    if form.is_valid():
        filters = dues.DuesFilters(
            ward=form.cleaned_data["ward"],
            min_amount=form.cleaned_data["min_amount"] or Decimal("0"),
        )
    return form, filters


def _export_links(request, name: str) -> list[tuple[str, str]]:
    qs = query_without_paging(request.GET)
    return [(fmt, f"/staff/billing/{name}.{fmt}" + (f"?{qs}" if qs else "")) for fmt in FORMATS]


@access.required(access.DUES_READERS)
@require_GET
def dues_list(request):
    form, filters = _dues_filters(request)
    after, before = cursor(request.GET, "after"), cursor(request.GET, "before")
    page = dues.dues_page(filters, after=after, before=before)
    context = {
        "form": form,
        "page": page,
        "exports": _export_links(request, "dues"),
        "first_page": query_without_paging(request.GET),
        "totals": not (after or before),
    }
    if context["totals"]:
        # The totals read every holding (seconds at Khulna scale): on the
        # first page only, not again for every page of the list.
        wards = dues.dues_by_ward(filters)
        context.update(
            wards=wards,
            total=sum((w.outstanding for w in wards), Decimal("0.00")),
            holdings=sum(w.holdings for w in wards),
        )
    return access.render(request, "billing/staff/dues.html", context)


def _respond(request, query, *, what: str, fmt: str, filters: dict):
    audit_event_record(
        actor=request.user,
        action="billing.export",
        data={"what": what, "format": fmt, "filters": filters},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{request.tenant.code}-{what}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exporting.csv_stream(query), content_type=exporting.CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    folder = Path(tempfile.mkdtemp(prefix="imis-billing-export-"))
    try:
        path = exporting.xlsx_write(query, folder / filename)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the open handle keeps the data
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=exporting.CONTENT_TYPES["xlsx"]
    )
    response["Content-Length"] = str(os.fstat(handle.fileno()).st_size)
    return response


@access.required(access.DUES_READERS)
@require_GET
def dues_export(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    _form, filters = _dues_filters(request)
    query = dues.dues_export_query(filters)
    return _respond(request, query, what="dues", fmt=fmt, filters=filters.described())


def _collection_form(request) -> CollectionForm:
    return CollectionForm(request.GET or CollectionForm.defaults())


@access.required(access.COLLECTION_READERS)
@require_GET
def collection(request):
    form = _collection_form(request)
    report = None
    if form.is_valid():
        report = reports.collection_report(**form.cleaned_data)
    return access.render(
        request,
        "billing/staff/collection.html",
        {"form": form, "report": report, "exports": _export_links(request, "collection")},
    )


@access.required(access.COLLECTION_READERS)
@require_GET
def collection_export(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    form = _collection_form(request)
    if not form.is_valid():
        raise Http404
    query = reports.collection_export_query(**form.cleaned_data)
    described = {
        "start": form.cleaned_data["start"].isoformat(),
        "end": form.cleaned_data["end"].isoformat(),
        "grouping": form.cleaned_data["grouping"],
    }
    return _respond(request, query, what="collection", fmt=fmt, filters=described)

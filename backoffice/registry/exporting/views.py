"""/staff/registry/exports/buildings.<fmt>?<the building list's filters>
and /staff/registry/exports/holdings.<fmt>?<the holding list's search>:
role-checked (the registry's exporters), audited, the list's own forms."""

import os
import shutil

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone

from backoffice.registry import selectors
from backoffice.registry.exporting import services
from backoffice.registry.forms import BuildingFilterForm, HoldingSearchForm
from backoffice.registry.selectors import BuildingFilters
from tenants.permissions import role_required

MODULE = "buildings"


def _building_queryset(request):
    """The building list's own filter form: the export holds what the list
    shows (a value the form refuses is ignored there, and here)."""
    wards = list(selectors.ward_list(actor=request.user))
    form = BuildingFilterForm(request.GET or None, wards=wards)
    filters = form.filters()
    if filters == BuildingFilters():
        return None, {}  # everything: no id filter at all
    described = {k: v for k, v in vars(filters).items() if v not in ("", None)}
    return selectors.building_list(actor=request.user, filters=filters), described


def _holding_queryset(request):
    """As the holding list finds holdings (a code prefix through the code)."""
    wards = list(selectors.ward_list(actor=request.user))
    form = HoldingSearchForm(request.GET or None, wards=wards)
    query = form.query()
    prefix = form.code_prefix()
    if prefix:
        query["q"] = ""
    described = {k: v for k, v in {**query, "code": prefix}.items() if v not in ("", None)}
    if not described:
        return None, {}
    holdings = selectors.holding_list(actor=request.user, **query)
    if prefix:
        holdings = holdings.filter(code__startswith=prefix)
    return holdings, described


def _filename(what: str, fmt: str, request) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{request.tenant.code}-{what}-{stamp}.{services.FILE_SUFFIX[fmt]}"


def _respond(request, query, what: str, fmt: str, filters: dict):
    services.export_audit(actor=request.user, what=what, fmt=fmt, filters=filters)
    filename = _filename(what, fmt, request)
    if fmt == "csv":
        response = StreamingHttpResponse(
            services.csv_stream(query), content_type=services.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    path = services.export_file(query, fmt)
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    # The open handle keeps the data; the folder goes now (nothing is left behind).
    shutil.rmtree(path.parent, ignore_errors=True)
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=services.CONTENT_TYPES[fmt]
    )
    response["Content-Length"] = str(os.fstat(handle.fileno()).st_size)
    return response


@role_required(*services.EXPORT_ROLES, module=MODULE)
def buildings_export(request, fmt: str):
    if fmt not in services.FORMATS["buildings"]:
        raise Http404
    queryset, described = _building_queryset(request)
    query = services.building_export_query(
        actor=request.user, queryset=queryset, wkt=fmt in ("csv", "xlsx"), guard=fmt == "csv"
    )
    return _respond(request, query, "buildings", fmt, described)


@role_required(*services.EXPORT_ROLES, module=MODULE)
def holdings_export(request, fmt: str):
    if fmt not in services.FORMATS["holdings"]:
        raise Http404
    queryset, described = _holding_queryset(request)
    query = services.holding_export_query(actor=request.user, queryset=queryset, guard=fmt == "csv")
    return _respond(request, query, "holdings", fmt, described)

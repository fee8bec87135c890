"""/staff/registry/exports/buildings.<fmt>?<the list's filters> and
/staff/registry/exports/holdings.<fmt>?q=&ward=: role-checked, audited."""

import os
import shutil

from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.registry import choices
from backoffice.registry.exporting import services
from backoffice.registry.selectors import BuildingFilters
from tenants.permissions import role_required

MODULE = "buildings"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class BadFilter(ValueError):
    pass


def _bool(value: str) -> bool | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadFilter(value)


def _ward(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 5:
        raise BadFilter(value)
    return int(value)


def _choice(value: str, allowed) -> str:
    value = (value or "").strip()
    if value and value not in allowed:
        raise BadFilter(value)
    return value


def building_filters_from(params) -> BuildingFilters:
    """The building list's query string, as the list reads it."""
    return BuildingFilters(
        q=(params.get("q") or "").strip()[:100],
        ward=_ward(params.get("ward")),
        use=_choice(params.get("use"), choices.BuildingUse.values),
        structure_type=_choice(params.get("structure_type"), choices.StructureType.values),
        has_holding=_bool(params.get("has_holding")),
        low_income=_bool(params.get("low_income")),
    )


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
    try:
        filters = building_filters_from(request.GET)
    except BadFilter:
        return HttpResponseBadRequest(_("A filter has a value the list does not offer."))
    query = services.building_export_query(
        actor=request.user, filters=filters, wkt=fmt in ("csv", "xlsx")
    )
    return _respond(
        request,
        query,
        "buildings",
        fmt,
        {k: v for k, v in vars(filters).items() if v not in ("", None)},
    )


@role_required(*services.EXPORT_ROLES, module=MODULE)
def holdings_export(request, fmt: str):
    if fmt not in services.FORMATS["holdings"]:
        raise Http404
    try:
        ward = _ward(request.GET.get("ward"))
    except BadFilter:
        return HttpResponseBadRequest(_("A filter has a value the list does not offer."))
    q = (request.GET.get("q") or "").strip()[:100]
    query = services.holding_export_query(actor=request.user, q=q, ward=ward)
    filters = {k: v for k, v in {"q": q, "ward": ward}.items() if v not in ("", None)}
    return _respond(request, query, "holdings", fmt, filters)

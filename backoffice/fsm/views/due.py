"""Containments due for emptying (next due within N days, by ward), paged
on (next due, ID), with CSV and Excel exports of the same filter for the
office (viewers read the list but export nothing)."""

import datetime
import os
import shutil

from django.db import connection
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from psycopg import sql

from backoffice.fsm import selectors, sla
from backoffice.fsm.forms import DueFilterForm
from backoffice.fsm.views import access
from backoffice.registry import selectors as registry_selectors
from backoffice.registry.exporting import services as exporting
from tenants.audit.services import audit_event_record
from tenants.permissions import role_required

due_required = role_required(*access.DUE_READERS, module=access.MODULE)
export_required = role_required(*access.EXPORTERS, module=access.MODULE)
PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")


def _filters(request):
    wards = list(registry_selectors.ward_list(actor=request.user))
    form = DueFilterForm(request.GET or None, wards=wards)
    days, ward_number = form.values()
    ward = next((w for w in wards if w.number == ward_number), None)
    return form, days, ward


def _after(value: str):
    """The paging key ``YYYY-MM-DD|ID`` (bounded; junk starts from the top)."""
    day, _sep, code = (value or "")[:60].partition("|")
    try:
        return datetime.date.fromisoformat(day), code
    except ValueError:
        return None


@due_required
@require_GET
def due_list(request):
    form, days, ward = _filters(request)
    after = _after(request.GET.get("after", ""))
    chunk = selectors.containments_due_page(
        within_days=days, ward=ward, after=after, limit=PAGE_SIZE + 1
    )
    rows = chunk[:PAGE_SIZE]
    next_key = (
        f"{rows[-1]['next_due_on'].isoformat()}|{rows[-1]['code']}"
        if len(chunk) > PAGE_SIZE
        else ""
    )
    params = request.GET.copy()
    params.pop("after", None)
    query = params.urlencode()
    return render(
        request,
        "fsm/due_list.html",
        {
            "form": form,
            "rows": rows,
            "today": sla.municipality_today(),
            "next_key": next_key,
            "first_page": bool(after),
            "query": query,
            "exports": [
                (fmt, f"export.{fmt}?{query}" if query else f"export.{fmt}")
                for fmt in EXPORT_FORMATS
            ],
            "can": access.abilities(request.user),
        },
    )


def _ids_sql(queryset) -> sql.Composable:
    inner, params = queryset.order_by().values("pk").query.sql_with_params()
    return sql.SQL(connection.ops.compose_sql(inner, params))


def due_export_query(queryset, *, guard: bool) -> exporting.ExportQuery:
    """The due containments as one SELECT (parameters quoted by psycopg)."""
    schema = connection.schema_name
    bin_expr = sql.SQL(
        "(SELECT b.bin FROM {links} cb JOIN {buildings} b ON b.id = cb.building_id"
        " WHERE cb.containment_id = c.id ORDER BY cb.responsible DESC, b.bin LIMIT 1)"
    )
    ward_expr = sql.SQL(
        "(SELECT w.number FROM {links} cb JOIN {buildings} b ON b.id = cb.building_id"
        " JOIN {wards} w ON w.id = b.ward_id"
        " WHERE cb.containment_id = c.id ORDER BY cb.responsible DESC, b.bin LIMIT 1)"
    )
    names = {
        "links": sql.Identifier(schema, "fsm_containmentbuilding"),
        "buildings": sql.Identifier(schema, "registry_building"),
        "wards": sql.Identifier(schema, "registry_ward"),
    }
    statement = sql.SQL(
        "SELECT c.code, t.code AS type, {bin} AS bin, {ward} AS ward, c.volume_m3,"
        " c.last_emptied_on AS last_emptied, c.times_emptied, c.next_due_on AS next_due"
        " FROM {containments} c JOIN {types} t ON t.id = c.containment_type_id"
        " WHERE c.id IN ({ids}) ORDER BY c.next_due_on, c.code"
    ).format(
        bin=bin_expr.format(**names),
        ward=ward_expr.format(**names),
        containments=sql.Identifier(schema, "fsm_containment"),
        types=sql.Identifier(schema, "fsm_containmenttype"),
        ids=_ids_sql(queryset),
    )
    columns = (
        "code", "type", "bin", "ward", "volume_m3", "last_emptied", "times_emptied", "next_due",
    )  # fmt: skip
    del guard  # every column is a code, a number or a date: nothing typed freely
    return exporting.ExportQuery(
        "containments_due", columns, statement.as_string(connection.connection), False
    )


@export_required
@require_GET
def due_export(request, fmt: str):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form, days, ward = _filters(request)
    query = due_export_query(selectors.containments_due(within_days=days, ward=ward), guard=True)
    audit_event_record(
        actor=request.user,
        action="fsm.export",
        data={"what": "containments_due", "format": fmt, "days": days,
              "ward": ward.number if ward else None},
    )  # fmt: skip
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{request.tenant.code}-containments-due-{stamp}.{exporting.FILE_SUFFIX[fmt]}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exporting.csv_stream(query), content_type=exporting.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    path = exporting.export_file(query, fmt)
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    shutil.rmtree(path.parent, ignore_errors=True)
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=exporting.CONTENT_TYPES[fmt]
    )
    response["Content-Length"] = str(os.fstat(handle.fileno()).st_size)
    return response

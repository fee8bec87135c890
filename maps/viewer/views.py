"""The staff map (/staff/map/) and the JSON its tools call.

Every view: a signed-in user of this municipality with the ViewMap module
on (:func:`maps.access.map_access`), who may see at least one layer (403
otherwise); each layer named in a request is checked against the user's
roles (404 when they may not see it), so another municipality's or a
forbidden layer answers the same as one that does not exist."""

import os
import shutil
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from maps import registry
from maps.access import MODULE, map_access
from maps.exports import services as exports
from maps.tools import lookup, results
from maps.tools.selection import SelectionError, selection_from_params
from tenants.permissions import user_has_role

# Who may export from the map (MISSION.md: service providers cannot export
# master data; the columns are what each role may read, owners only for
# the roles that see owners).
EXPORTERS: tuple[str, ...] = (
    "municipal_admin",
    "gis_officer",
    "revenue_chief",
    "revenue_collector",
    "fsm_manager",
    "viewer",
)


def viewer_access(view):
    @map_access(module=MODULE)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not registry.layers_for_user(request.user, request.tenant):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _bad(error: SelectionError) -> JsonResponse:
    return JsonResponse({"error": " ".join(error.messages)}, status=400)


def _selection(request):
    try:
        return selection_from_params(request.POST, user=request.user, tenant=request.tenant)
    except LookupError as exc:
        raise Http404 from exc


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


@require_GET
@viewer_access
def map_page(request):
    layers = [
        registry.layer_client_config(layer, request.user)
        for layer in registry.layers_for_user(request.user, request.tenant)
    ]
    config = {
        "layers": layers,
        "can_export": user_has_role(request.user, EXPORTERS),
        "formats": list(exports.FORMATS),
        "urls": {
            "find": "/staff/map/api/find/",
            "info": "/staff/map/api/info/",
            "select": "/staff/map/api/select/",
            "summary": "/staff/map/api/summary/",
            "export": "/staff/map/api/export/",
            "jobs": "/staff/map/api/exports/",
        },
    }
    config["start"] = _start(request)
    context = {"config": config, "layers": layers, "i18n": _texts()}
    return render(request, "maps_viewer/map.html", context)


def _start(request) -> dict:
    """Centre the map on the municipality's wards (or Khulna with none)."""
    wards = registry.layer_for_user(request.user, results.WARD_LAYER, request.tenant)
    if wards is None:
        return {"center": [89.55, 22.82], "zoom": 13}
    bbox = lookup.layer_extent(wards)
    if bbox is None:
        return {"center": [89.55, 22.82], "zoom": 13}
    return {"center": [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], "zoom": 14, "bbox": bbox}


def _texts() -> dict:
    """The page script's words, in the user's language."""
    return {
        "open_page": _("Open its page"),
        "found": _("%(count)s features found (%(layer)s)"),
        "highlight_limited": _("The map highlights the first %(shown)s; all are listed."),
        "previous": _("Previous"),
        "next": _("Next"),
        "export": _("Export"),
        "formats": {
            "csv": "CSV",
            "xlsx": "Excel",
            "gpkg": "GeoPackage",
            "shp": _("Shapefile (zip)"),
        },
        "preparing": _("Preparing the export…"),
        "download": _("Download the export"),
        "failed": _("That did not work. Try again."),
        "working": _("Working…"),
        "click_map": _("Click on the map."),
        "draw_hint": _("Click points on the map; double-click to finish."),
        "metres": _("m"),
        "square_metres": _("m²"),
        "nothing": _("Nothing found."),
        "summary": _("Summary"),
        "ward": _("Ward"),
        "total": _("Total"),
    }


@require_GET
@viewer_access
def find(request):
    found = lookup.feature_find(
        user=request.user,
        tenant=request.tenant,
        text=request.GET.get("q", ""),
        layer=request.GET.get("layer", ""),
    )
    return JsonResponse({"results": found})


@require_GET
@viewer_access
def info(request, layer: str, pk: int):
    found = registry.layer_for_user(request.user, layer, request.tenant)
    if found is None:
        raise Http404
    data = lookup.feature_info(user=request.user, layer=found, pk=pk)
    if data is None:
        raise Http404
    return JsonResponse(data)


@require_POST
@viewer_access
def select(request):
    offset = _int(request.POST.get("offset"), 0, 0, 10**9)
    limit = _int(request.POST.get("limit"), results.PAGE_SIZE, 1, results.MAX_PAGE_SIZE)
    try:
        selection = _selection(request)
        result = results.result_run(selection, user=request.user, offset=offset, limit=limit)
    except SelectionError as error:
        return _bad(error)
    layer = selection.layer
    rows = [
        {"id": row["id"], "values": row, "url": layer.detail_url_for(row)} for row in result.rows
    ]
    body = {
        "layer": layer.slug,
        "count": result.count,
        "offset": offset,
        "limit": limit,
        "bbox": result.bbox,
        "rows": rows,
        "columns": [
            {"name": a.name, "label": str(a.label)}
            for a in registry.visible_attributes(layer, request.user)
        ],
        "label_attribute": layer.label_attribute,
        "highlight_limit": results.HIGHLIGHT_LIMIT,
    }
    # The GeoJSON comes from PostGIS as text and goes out as it is (parsing
    # and writing 2,000 features again in Python costs more than the query).
    text = DjangoJSONEncoder().encode(body)
    geojson = f'"highlight": {result.highlight}, "outline": {result.outline or "null"}, '
    return HttpResponse("{" + geojson + text[1:], content_type="application/json")


@require_POST
@viewer_access
def summary(request):
    by_ward = request.POST.get("group", "ward") == "ward"
    try:
        selection = _selection(request)
        found = results.summary_run(
            selection,
            user=request.user,
            tenant=request.tenant,
            by_ward=by_ward,
            category=request.POST.get("by", ""),
        )
    except SelectionError as error:
        return _bad(error)
    columns = [{"name": c["name"], "label": c["label"] or _("count")} for c in found.columns]
    data = {"layer": selection.layer.slug, "columns": columns, "rows": found.rows}
    return JsonResponse({**data, "total": found.total})


def _filename(request, name: str, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{request.tenant.code}-{name}-{stamp}.{exports.FILE_SUFFIX[fmt]}"


def _params(request) -> dict:
    keep = ("layer", "within", "buffer_m", "point", "geometry", "source", "source_id")
    return {
        key: request.POST.getlist(key)
        for key in request.POST
        if key in keep or key.startswith("f_")
    }


@require_POST
@viewer_access
def export(request, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    if not user_has_role(request.user, EXPORTERS):
        raise PermissionDenied
    try:
        selection = _selection(request)
        rows = exports.export_count(selection, user=request.user)
    except SelectionError as error:
        return _bad(error)
    background = rows > exports.BACKGROUND_ROWS or request.POST.get("background") == "1"
    if background:
        job = exports.export_job_start(
            actor=request.user, params=_params(request), fmt=fmt, rows=rows
        )
        exports.export_audit(
            actor=request.user, selection=selection, fmt=fmt, rows=rows, background=True, job=job
        )
        return JsonResponse(_job_json(job), status=202)
    exports.export_audit(
        actor=request.user, selection=selection, fmt=fmt, rows=rows, background=False
    )
    query = exports.export_query(
        selection, user=request.user, wkt=fmt in ("csv", "xlsx"), guard=fmt == "csv"
    )
    filename = _filename(request, selection.layer.slug, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(query), content_type=exports.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    path = exports.export_file(query, fmt)
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    shutil.rmtree(path.parent, ignore_errors=True)  # the open handle keeps the data
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=exports.CONTENT_TYPES[fmt]
    )
    response["Content-Length"] = str(os.fstat(handle.fileno()).st_size)
    return response


def _job_json(job) -> dict:
    done = job.state == job.State.DONE
    progress, done_rows = exports.export_job_progress(job)
    return {
        "id": str(job.pk),
        "status": job.state,
        "progress": progress,
        "rows": job.rows,
        "done_rows": done_rows,
        "format": job.format,
        "download": f"/staff/map/api/exports/{job.pk}/download/" if done else "",
    }


def _own_job(request, job_id):
    """The job if it is this user's, in this municipality (404 otherwise:
    another user's or another municipality's job is as good as none)."""
    job = exports.export_job_get(user=request.user, job_id=job_id)
    if job is None:
        raise Http404
    return job


@require_GET
@viewer_access
def export_job(request, job_id):
    return JsonResponse(_job_json(_own_job(request, job_id)))


@require_GET
@viewer_access
def export_job_download(request, job_id):
    job = _own_job(request, job_id)
    if not user_has_role(request.user, EXPORTERS):  # the role may have changed since
        raise PermissionDenied
    path = exports.job_file(job)
    if path is None:
        raise Http404
    exports.export_download_audit(actor=request.user, job=job)
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=_filename(request, job.layer or "export", job.format),
        content_type=exports.CONTENT_TYPES[job.format],
    )

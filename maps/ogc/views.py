"""OGC API - Features (Part 1: Core, GeoJSON) at ``/ogc/`` on a
municipality's host, for QGIS and scripts.  Session or ``Authorization:
Token``; the same layers and attributes per role as the tiles (a layer the
caller may not see does not exist: 404)."""

import json
import math
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from maps import registry
from maps.access import MODULE, map_access
from maps.ogc import features
from maps.ogc.features import CRS84, FilterError, Query

GEOJSON = "application/geo+json"
JSON = "application/json"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
)
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
# Standard parameters; any other that is not a visible attribute is refused.
_RESERVED = {"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}


def _error(status: int, code: str, description: str) -> JsonResponse:
    return JsonResponse({"code": code, "description": description}, status=status)


def _format_ok(request) -> bool:
    return request.GET.get("f", "json") == "json"


def ogc_view(view):
    """GET only, JSON only, signed in (401 JSON when not), module on."""

    @require_GET
    @map_access(module=MODULE, api=True)
    def wrapped(request, *args, **kwargs):
        if not _format_ok(request):
            return _error(400, "InvalidParameterValue", "Only f=json is offered.")
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = _error(404, "NotFound", "No such collection or feature.")
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Cookie, Authorization"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _base(request) -> str:
    return request.build_absolute_uri("/ogc")


def _link(href: str, rel: str, type_: str = JSON, title: str = "") -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _layer(request, slug: str) -> registry.Layer:
    layer = registry.layer_for_user(request.user, slug, request.tenant)
    if layer is None:
        raise Http404
    return layer


@ogc_view
def landing(request):
    base = _base(request)
    municipality = request.tenant
    return JsonResponse(
        {
            "title": f"{municipality.name_en} IMIS",
            "description": "OGC API - Features: the map layers you may read.",
            "links": [
                _link(f"{base}/", "self", title="This document"),
                _link(f"{base}/conformance", "conformance", title="Conformance classes"),
                _link(f"{base}/collections", "data", title="Collections"),
            ],
        }
    )


@ogc_view
def conformance(request):
    return JsonResponse({"conformsTo": list(CONFORMANCE)})


def _collection(request, layer: registry.Layer) -> dict:
    base = _base(request)
    extent = features.layer_extent(layer)
    spatial = {"bbox": [extent or [-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}
    return {
        "id": layer.slug,
        "title": str(layer.title),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": spatial},
        "links": [
            _link(f"{base}/collections/{layer.slug}", "self", title=str(layer.title)),
            _link(f"{base}/collections/{layer.slug}/items", "items", GEOJSON, str(layer.title)),
            _link(
                f"{base}/collections/{layer.slug}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
        ],
    }


@ogc_view
def collections(request):
    base = _base(request)
    return JsonResponse(
        {
            "links": [_link(f"{base}/collections", "self")],
            "collections": [
                _collection(request, layer)
                for layer in registry.layers_for_user(request.user, request.tenant)
            ],
        }
    )


@ogc_view
def collection(request, layer: str):
    return JsonResponse(_collection(request, _layer(request, layer)))


_JSON_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


@ogc_view
def queryables(request, layer: str):
    """The attributes the caller may filter on (as ``?name=value``)."""
    found = _layer(request, layer)
    properties = {}
    for attribute in registry.visible_attributes(found, request.user):
        schema = {"title": str(attribute.label), **_JSON_TYPES[attribute.type]}
        if attribute.choices:
            schema["enum"] = [value for value, _label in attribute.choices]
        properties[attribute.name] = schema
    body = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{_base(request)}/collections/{found.slug}/queryables",
        "type": "object",
        "title": str(found.title),
        "properties": properties,
    }
    return JsonResponse(body, content_type="application/schema+json")


def _bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    if len(parts) == 6:  # 3D: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise ValueError(raw)
    minx, miny, maxx, maxy = (float(p) for p in parts)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or miny > maxy:
        raise ValueError(raw)
    return minx, miny, maxx, maxy


def _query(request, layer: registry.Layer, attributes) -> Query:
    """The caller's parameters as a Query (ValueError/FilterError on bad input)."""
    params = request.GET
    for name in ("bbox-crs", "crs"):
        if params.get(name, CRS84) != CRS84:
            raise FilterError(name)
    by_name = {a.name: a for a in attributes}
    unknown = set(params) - _RESERVED - set(by_name)
    if unknown:
        raise FilterError(sorted(unknown)[0])
    limit = min(int(params.get("limit", LIMIT_DEFAULT)), LIMIT_MAX)
    offset = int(params.get("offset", 0))
    if limit < 1 or offset < 0:
        raise ValueError("limit/offset")
    bbox = _bbox(params["bbox"]) if params.get("bbox") else None
    filters = tuple(
        (by_name[name], features.filter_value(by_name[name], params[name]))
        for name in params
        if name in by_name
    )
    return Query(bbox=bbox, filters=filters, limit=limit, offset=offset)


def _page_link(request, rel: str, offset: int, limit: int) -> dict:
    params = request.GET.copy()
    params["offset"] = str(offset)
    params["limit"] = str(limit)
    href = request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.items()))
    return _link(href, rel, GEOJSON)


@ogc_view
def items(request, layer: str):
    found = _layer(request, layer)
    attributes = registry.visible_attributes(found, request.user)
    try:
        query = _query(request, found, attributes)
    except FilterError as exc:
        return _error(400, "InvalidParameterValue", f"Parameter not understood: {exc}")
    except ValueError:
        return _error(400, "InvalidParameterValue", "Parameter not understood.")
    rows, matched = features.features_page(found, attributes, query)
    links = [
        _page_link(request, "self", query.offset, query.limit),
        _link(f"{_base(request)}/collections/{found.slug}", "collection"),
    ]
    if query.offset + len(rows) < matched:
        links.append(_page_link(request, "next", query.offset + query.limit, query.limit))
    if query.offset > 0:
        links.append(_page_link(request, "prev", max(0, query.offset - query.limit), query.limit))
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(rows),
        "timeStamp": timezone.now().isoformat(timespec="seconds"),
        "links": links,
    }
    # The features come from PostgreSQL as GeoJSON text: spliced in, not re-parsed.
    body = json.dumps(head)[:-1] + ', "features": [' + ",".join(rows) + "]}"
    return HttpResponse(body, content_type=GEOJSON)


@ogc_view
def item(request, layer: str, pk: int):
    found = _layer(request, layer)
    row = features.feature_one(found, registry.visible_attributes(found, request.user), pk)
    if row is None:
        raise Http404
    base = _base(request)
    links = json.dumps(
        [
            _link(f"{base}/collections/{found.slug}/items/{pk}", "self", GEOJSON),
            _link(f"{base}/collections/{found.slug}", "collection"),
        ]
    )
    return HttpResponse(row[:-1] + f', "links": {links}}}', content_type=GEOJSON)

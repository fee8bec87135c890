"""A selection: the features of one layer that a tool picks, as one
parameterised SQL statement the other tools build on.

A selection is a layer, optional attribute filters (``f_<attribute>``),
and optionally one spatial condition:

* inside a drawn polygon (``within``: GeoJSON);
* within ``buffer_m`` metres of a clicked point (``point``: "lon,lat"), a
  drawn line or polygon (``geometry``: GeoJSON), one feature of another
  layer (``source`` + ``source_id``, e.g. a road) or every feature of
  another layer (``source`` alone, e.g. all waterbodies).

Buffers are made in metres in EPSG:32645 (UTM 45N, Bangladesh), cut into
small pieces (``ST_Subdivide``) and intersected with the layer's own
EPSG:4326 geometry, so its spatial index does the work (ENV-NOTES: against
a subdivided buffer 75 ms where ST_DWithin on geography took 1.4 s).  The
pieces go through an array: ST_Subdivide as a set-returning function
makes the planner expect 1,000 pieces a shape, then hash-join whole tables
where a few index lookups do.

Values reach SQL only as parameters; table, column and attribute
expressions come from the layer registry (the domains' trusted code)."""

import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from psycopg import sql

from maps import registry
from maps.registry import Attribute, Layer

METRIC_SRID = 32645  # WGS 84 / UTM zone 45N: metres, all of Bangladesh
MAX_BUFFER_M = 5000.0
MAX_GEOJSON_CHARS = 200_000
MAX_FILTER_VALUES = 50
SUBDIVIDE_VERTICES = 64
# Segments per quarter circle: the buffer's corners are within 0.2 % of
# the true distance (ST_DWithin on geography agrees but for that sliver).
QUAD_SEGS = 16


class SelectionError(ValidationError):
    """The request does not describe a selection (answered 400 with the message)."""


@dataclass(frozen=True)
class Source:
    """What a buffer is drawn around."""

    point: tuple[float, float] | None = None
    geojson: str = ""
    layer: Layer | None = None
    feature_id: int | None = None


@dataclass(frozen=True)
class Selection:
    layer: Layer
    filters: tuple[tuple[Attribute, tuple[str, ...]], ...] = ()
    within: str = ""  # GeoJSON polygon
    source: Source | None = None
    buffer_m: float = 0.0
    described: dict = field(default_factory=dict)  # for the audit trail


# --- parsing a request -------------------------------------------------------


# Nesting depth of the coordinates and the fewest positions per part.
_SHAPES = {
    "Point": (0, 1),
    "MultiPoint": (1, 1),
    "LineString": (1, 2),
    "MultiLineString": (2, 2),
    "Polygon": (2, 4),
    "MultiPolygon": (3, 4),
}


def _position(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(type(v) in (int, float) for v in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _coordinates_valid(value, depth: int, least: int) -> bool:
    if depth == 0:
        return _position(value)
    if not isinstance(value, list) or not value:
        return False
    if depth == 1 and len(value) < least:
        return False
    return all(_coordinates_valid(part, depth - 1, least) for part in value)


def _geojson(text: str, *, polygon: bool) -> str:
    """A drawn GeoJSON geometry, checked here (type, nesting, numbers within
    longitude and latitude) before PostGIS reads it."""
    if not text or len(text) > MAX_GEOJSON_CHARS:
        raise SelectionError(_("Draw a shape on the map first."), code="geometry")
    unreadable = SelectionError(_("The drawn shape could not be read."), code="geometry")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise unreadable from exc
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    kinds = ("Polygon", "MultiPolygon") if polygon else tuple(_SHAPES)
    if not isinstance(value, dict) or value.get("type") not in kinds:
        raise unreadable
    coordinates = value.get("coordinates")
    if not _coordinates_valid(coordinates, *_SHAPES[value["type"]]):
        raise unreadable
    return json.dumps({"type": value["type"], "coordinates": coordinates})


def _point(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise SelectionError(_("Click a point on the map first."), code="point") from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise SelectionError(_("Click a point on the map first."), code="point")
    return lon, lat


def _distance(text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError) as exc:
        raise SelectionError(_("Enter a distance in metres."), code="distance") from exc
    if not (0 < value <= MAX_BUFFER_M):
        raise SelectionError(
            _("The distance must be more than 0 and at most %(max)s m.")
            % {"max": int(MAX_BUFFER_M)},
            code="distance",
        )
    return value


def selection_from_params(params, *, user, tenant) -> Selection:
    """The selection a request's parameters describe, for this user: layers
    and attributes they may not see are refused (404 for layers, ignored
    filters would silently widen a result, so they are errors too)."""
    layer = registry.layer_for_user(user, params.get("layer", ""), tenant)
    if layer is None:
        raise LookupError("layer")
    visible = {a.name: a for a in registry.visible_attributes(layer, user)}
    filters = []
    described: dict = {"layer": layer.slug}
    for key in sorted(params.keys()):
        if not key.startswith("f_"):
            continue
        name = key[2:]
        values = tuple(v for v in params.getlist(key) if v != "")[:MAX_FILTER_VALUES]
        if not values:
            continue
        if name not in visible:
            raise SelectionError(_("This attribute cannot be filtered."), code="filter")
        filters.append((visible[name], values))
        described[key] = list(values)
    within = ""
    source = None
    buffer_m = 0.0
    if params.get("within"):
        within = _geojson(params["within"], polygon=True)
        described["within"] = True
    if params.get("buffer_m"):
        buffer_m = _distance(params["buffer_m"])
        described["buffer_m"] = buffer_m
        if params.get("point"):
            source = Source(point=_point(params["point"]))
            described["point"] = list(source.point)
        elif params.get("geometry"):
            source = Source(geojson=_geojson(params["geometry"], polygon=False))
            described["geometry"] = True
        elif params.get("source"):
            source_layer = registry.layer_for_user(user, params["source"], tenant)
            if source_layer is None:
                raise LookupError("source")
            feature_id = None
            if params.get("source_id"):
                try:
                    feature_id = int(params["source_id"])
                except ValueError as exc:
                    raise LookupError("source_id") from exc
            source = Source(layer=source_layer, feature_id=feature_id)
            described["source"] = source_layer.slug
            if feature_id is not None:
                described["source_id"] = feature_id
        else:
            raise SelectionError(_("Choose what to draw the buffer around."), code="buffer_source")
    return Selection(layer, tuple(filters), within, source, buffer_m, described)


# --- SQL ---------------------------------------------------------------------


def _cast(attribute: Attribute, value: str):
    if attribute.type == "integer":
        try:
            return int(value)
        except ValueError as exc:
            raise SelectionError(_("Enter a whole number."), code="filter") from exc
    if attribute.type == "number":
        try:
            return float(value)
        except ValueError as exc:
            raise SelectionError(_("Enter a number."), code="filter") from exc
    if attribute.type == "boolean":
        return value.lower() in ("1", "true", "yes", "on")
    return value


def _conditions(selection: Selection, params: dict) -> list[sql.Composable]:
    layer = selection.layer
    out: list[sql.Composable] = []
    where = layer.where_sql(params)
    if where is not None:
        out.append(where)
    for i, (attribute, values) in enumerate(selection.filters):
        name = f"f{i}"
        params[name] = [_cast(attribute, v) for v in values]
        out.append(
            sql.SQL("({}) = ANY(%({})s)").format(sql.SQL(attribute.expression), sql.SQL(name))
        )
    return out


def _source_sql(source: Source, params: dict) -> sql.Composable:
    """Rows ``g``: the buffer's source geometries in metres."""
    if source.point is not None:
        params["src_lon"], params["src_lat"] = source.point
        return sql.SQL(
            "SELECT ST_Transform(ST_SetSRID("
            "ST_MakePoint(%(src_lon)s, %(src_lat)s), 4326), {srid}) AS g"
        ).format(srid=sql.Literal(METRIC_SRID))
    if source.geojson:
        params["src_geojson"] = source.geojson
        return sql.SQL(
            "SELECT ST_Transform(ST_SetSRID("
            "ST_MakeValid(ST_GeomFromGeoJSON(%(src_geojson)s)), 4326), {srid}) AS g"
        ).format(srid=sql.Literal(METRIC_SRID))
    layer = source.layer
    # The layer's where is written over ``t``: the source rows are ``t`` here.
    where = layer.where_sql(params)
    conditions = [where] if where is not None else []
    if source.feature_id is not None:
        params["src_id"] = source.feature_id
        conditions.append(sql.SQL("t.{} = %(src_id)s").format(sql.Identifier(layer.pk_column)))
    return sql.SQL("SELECT ST_Transform(t.{geom}, {srid}) AS g FROM {table} t{where}").format(
        geom=sql.Identifier(layer.geometry_column),
        srid=sql.Literal(METRIC_SRID),
        table=sql.Identifier(layer.table),
        where=sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL(""),
    )


def selection_ctes(selection: Selection, params: dict) -> sql.Composable:
    """``WITH ... hits AS (id)``: the ids of the selected features, each once.
    Further CTEs may follow (the caller adds ``, name AS (...)``)."""
    layer = selection.layer
    table = sql.Identifier(layer.table)
    pk = sql.Identifier(layer.pk_column)
    geom = sql.Identifier(layer.geometry_column)
    conditions = _conditions(selection, params)
    ctes: list[sql.Composable] = []
    spatial = None
    if selection.source is not None:
        params["buffer_m"] = selection.buffer_m
        ctes.append(
            sql.SQL("src AS MATERIALIZED ({})").format(_source_sql(selection.source, params))
        )
        ctes.append(
            sql.SQL(
                "area AS MATERIALIZED (SELECT unnest(ARRAY(SELECT ST_Subdivide(ST_Transform("
                "ST_Buffer(src.g, %(buffer_m)s, {quad}), 4326), {vertices}) FROM src"
                " WHERE src.g IS NOT NULL)) AS g)"
            ).format(
                quad=sql.Literal(f"quad_segs={QUAD_SEGS}"),
                vertices=sql.Literal(SUBDIVIDE_VERTICES),
            )
        )
        spatial = True
    elif selection.within:
        params["within"] = selection.within
        ctes.append(
            sql.SQL(
                "area AS MATERIALIZED (SELECT unnest(ARRAY(SELECT ST_Subdivide(ST_MakeValid("
                "ST_SetSRID(ST_GeomFromGeoJSON(%(within)s), 4326)), {vertices}))) AS g)"
            ).format(vertices=sql.Literal(SUBDIVIDE_VERTICES))
        )
        spatial = True
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
    if spatial:
        hits = sql.SQL(
            "hits AS MATERIALIZED (SELECT DISTINCT t.{pk} AS id FROM area"
            " JOIN {table} t ON ST_Intersects(area.g, t.{geom}) WHERE {where})"
        )
    else:
        hits = sql.SQL("hits AS MATERIALIZED (SELECT t.{pk} AS id FROM {table} t WHERE {where})")
    ctes.append(hits.format(pk=pk, table=table, geom=geom, where=where))
    return sql.SQL("WITH ") + sql.SQL(", ").join(ctes)


def selection_key(selection: Selection) -> str:
    """A digest of everything that decides which rows a selection holds."""
    source = selection.source
    parts = {
        "layer": selection.layer.slug,
        "filters": [[a.name, list(values)] for a, values in selection.filters],
        "within": selection.within,
        "buffer_m": selection.buffer_m,
        "source": None
        if source is None
        else [
            source.point,
            source.geojson,
            source.layer.slug if source.layer else None,
            source.feature_id,
        ],
    }
    text = json.dumps(parts, sort_keys=True)
    return hashlib.blake2s(text.encode(), digest_size=16).hexdigest()


def selection_rows(
    selection: Selection, params: dict, *, join: sql.Composable | None = None
) -> tuple[sql.Composable, sql.Composable]:
    """``(prefix, from_where)``: the selected rows of the layer as ``t``, for
    one pass over them (aggregates): a spatial selection goes through its
    ``hits``; an attribute-only one reads the table once, with no id list.
    ``join`` (e.g. ``JOIN link l ON l.building_id = t.id``) follows ``t``."""
    layer = selection.layer
    table = sql.Identifier(layer.table)
    join = join if join is not None else sql.SQL("")
    if selection.source is not None or selection.within:
        prefix = selection_ctes(selection, params)
        rows = sql.SQL("FROM hits JOIN {table} t ON t.{pk} = hits.id {join}").format(
            table=table, pk=sql.Identifier(layer.pk_column), join=join
        )
        return prefix, rows
    conditions = _conditions(selection, params)
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
    return sql.SQL(""), sql.SQL("FROM {table} t {join} WHERE {where}").format(
        table=table, join=join, where=where
    )


def jit_off(cursor) -> None:
    """Tool statements are short but PostGIS's set-returning functions make
    the planner expect millions of rows: JIT would compile for ~1 s (measured
    at Khulna scale) to save nothing.  Call inside a transaction."""
    cursor.execute("SET LOCAL jit = off")


def execute_without_jit(cursor, statement: sql.Composable, params: dict) -> None:
    """``statement`` with JIT off (see :func:`jit_off`) in ONE round trip:
    Django's psycopg cursors bind client-side, so both statements go as one
    query string, which PostgreSQL runs as one transaction (SET LOCAL lasts
    until its end); the cursor is left on the statement's result."""
    cursor.execute(sql.SQL("SET LOCAL jit = off; ") + statement, params)
    cursor.nextset()


def outline_sql(selection: Selection) -> sql.Composable:
    """GeoJSON of the buffer or drawn area (simplified to a metre), or NULL."""
    if selection.source is not None:
        return sql.SQL(
            "(SELECT ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Union("
            "ST_Buffer(src.g, %(buffer_m)s, 'quad_segs=4')), 1), 4326), 6) FROM src)"
        )
    if selection.within:
        return sql.SQL("%(within)s::text")
    return sql.SQL("NULL::text")

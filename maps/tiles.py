"""Vector tiles: one parameterised ``ST_AsMVT`` query per layer.

z, x, y, the extent and the area threshold are query parameters; table,
columns and attribute names are identifiers composed with psycopg.sql; the
attribute expressions are the domain's own SQL (never user input).  At low
zoom a tile is coarser (a smaller extent) and small polygons (``THIN_AREAS_M2``)
are left out before any geometry work (a z13 tile of buildings would
otherwise carry 27,000 features); the layer's table may index
``ST_Area(geometry)`` so that test reads only the large ones (buildings do:
backoffice/registry/models.py)."""

import math

from django.db import connection
from psycopg import sql

from maps.registry import Attribute, Layer, layer_today

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
FULL_EXTENT = 4096
BUFFER_UNITS = 64  # at the full extent; scaled with it
# Below full detail, polygons smaller than this are left out: one zoom
# below, a few pixels; two below, most plots (a 12 x 20 m house); further,
# all but large buildings (z13 of buildings: 27,000 features otherwise).
THIN_AREAS_M2 = (20.0, 250.0, 400.0)
METRES_PER_DEGREE = 111_320.0


def tile_valid(z: int, x: int, y: int) -> bool:
    return 0 <= z <= 24 and 0 <= x < 2**z and 0 <= y < 2**z


def tile_in_zoom(layer: Layer, z: int) -> bool:
    return layer.min_zoom <= z <= layer.max_zoom


def tile_extent(layer: Layer, z: int) -> int:
    """4096 from the layer's full-detail zoom on, halved per zoom below (>= 512)."""
    steps = min(3, max(0, layer.full_detail_zoom - z))
    return FULL_EXTENT >> steps


def tile_min_area(layer: Layer, z: int, y: int) -> float:
    """Area (square degrees, EPSG:4326) below which a polygon is left out of
    a tile below full detail (``THIN_AREAS_M2`` by zooms below full detail,
    at this tile's latitude)."""
    steps = layer.full_detail_zoom - z
    if layer.geometry_type != "polygon" or steps <= 0:
        return 0.0
    square_metres = THIN_AREAS_M2[min(steps, len(THIN_AREAS_M2)) - 1]
    lat = math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / 2**z)))
    return square_metres / (METRES_PER_DEGREE**2 * math.cos(lat))


def tile_query(
    layer: Layer, attributes: tuple[Attribute, ...], *, thin: bool, params: dict | None = None
) -> sql.Composed:
    """The layer's tile SQL for this set of attributes.  Parameters:
    z, x, y, extent, buffer, margin, min_area (only when ``thin``), name,
    and the municipality's date when the layer's ``where`` uses ``{today}``
    (put in ``params``)."""
    geom = sql.SQL("t.{}").format(sql.Identifier(layer.geometry_column))
    columns = [sql.SQL("t.{} AS {}").format(sql.Identifier(layer.pk_column), sql.Identifier("id"))]
    for attribute in attributes:
        columns.append(
            sql.SQL("{} AS {}").format(
                sql.SQL(attribute.expression), sql.Identifier(attribute.name)
            )
        )
    conditions = [sql.SQL("{} && ST_Transform(b.env, 4326)").format(geom)]
    if thin:
        conditions.append(sql.SQL("ST_Area({}) >= %(min_area)s").format(geom))
    where = layer.where_sql(params)
    if where is not None:
        conditions.append(where)
    return sql.SQL(
        "WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,"
        " ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s) AS wide),"
        " f AS (SELECT ST_AsMVTGeom(ST_Transform({geom}, 3857), b.env, %(extent)s,"
        " %(buffer)s, true) AS mvt_geom, {columns}"
        " FROM {table} t, b WHERE {geom} && ST_Transform(b.wide, 4326) AND {conditions})"
        " SELECT ST_AsMVT(f.*, %(name)s, %(extent)s, 'mvt_geom', 'id')"
        " FROM f WHERE f.mvt_geom IS NOT NULL"
    ).format(
        geom=geom,
        columns=sql.SQL(", ").join(columns),
        table=sql.Identifier(layer.table),
        conditions=sql.SQL(" AND ").join(conditions[1:] or [sql.SQL("true")]),
    )


def tile_params(layer: Layer, z: int, x: int, y: int) -> dict:
    extent = tile_extent(layer, z)
    params = {
        "z": z,
        "x": x,
        "y": y,
        "extent": extent,
        "buffer": BUFFER_UNITS * extent // FULL_EXTENT,
        "margin": BUFFER_UNITS / FULL_EXTENT,
        "name": layer.slug,
    }
    min_area = tile_min_area(layer, z, y)
    if min_area:
        params["min_area"] = min_area
    return params


_TEXTS: dict[tuple, str] = {}
MAX_TEXTS = 512


def tile_statement(
    layer: Layer, attributes: tuple[Attribute, ...], z: int, x: int, y: int
) -> tuple[sql.Composed, dict]:
    params = tile_params(layer, z, x, y)
    return tile_query(layer, attributes, thin="min_area" in params, params=params), params


def tile_render(layer: Layer, attributes: tuple[Attribute, ...], z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no feature falls in it), in the current
    schema, in ONE round trip: the municipality's search path and JIT off
    for this statement only (``SET LOCAL``; a multi-statement query runs as
    one transaction), then the statement.  Through Django's cursor a tile
    cost a ``SET search_path`` round trip of its own on each request (the
    tenant middleware switches the schema per request); JIT off: ST_AsMVTGeom's
    cost makes the planner expect a long run, and at Khulna scale a z13 tile
    of buildings spent ~400 of its ~500 ms compiling (EXPLAIN ANALYZE)."""
    params = tile_params(layer, z, x, y)
    thin = "min_area" in params
    # As Django's BaseDatabaseWrapper._cursor does, without django-tenants'
    # override of it (which would first send its own SET search_path).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    conn = connection.connection
    # The statement's text depends only on these (values are parameters;
    # {today} in an attribute is a literal of the day): composed once.
    key = (
        layer.slug,
        tuple(a.name for a in attributes),
        thin,
        layer_today().isoformat() if layer.daily else "",
    )
    text = _TEXTS.get(key)
    if text is None:
        text = tile_query(layer, attributes, thin=thin, params=params).as_string(conn)
        if len(_TEXTS) >= MAX_TEXTS:
            _TEXTS.clear()
        _TEXTS[key] = text
    else:
        layer.where_sql(params)  # the date parameter, when the where has one
    prefix = sql.SQL("SET LOCAL search_path = {}, public; SET LOCAL jit = off; ").format(
        sql.Identifier(connection.schema_name)
    )
    # Django's cursor (its wrapper: query log, execute wrappers, errors)
    # binds client-side, as several statements in one query string need.
    with connection.wrap_database_errors:
        cursor = connection._prepare_cursor(connection.create_cursor())
    with cursor:
        cursor.execute(prefix.as_string(conn) + text, params)
        cursor.nextset()
        cursor.nextset()
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""

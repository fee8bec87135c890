"""The SQL behind OGC API - Features: a page of a layer's features as GeoJSON
(built by PostgreSQL), the number matched, one feature, the layer's extent.

Only the attributes the caller may see are selected; filters are the
caller's values as parameters, compared with the declared attributes'
expressions (never with a name the caller made up)."""

import datetime
from dataclasses import dataclass

from django.db import connection
from psycopg import sql

from maps import cache
from maps.registry import Attribute, Layer

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    bbox: tuple[float, float, float, float] | None = None
    filters: tuple[tuple[Attribute, object], ...] = ()
    limit: int = 100
    offset: int = 0


def filter_value(attribute: Attribute, raw: str) -> object:
    """The caller's text as the attribute's type (FilterError if it is not)."""
    try:
        if attribute.type == "integer":
            return int(raw)
        if attribute.type == "number":
            return float(raw)
        if attribute.type == "boolean":
            lowered = raw.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return lowered in ("true", "1")
        if attribute.type == "date":
            return datetime.date.fromisoformat(raw).isoformat()
    except ValueError as exc:
        raise FilterError(attribute.name) from exc
    return raw


def _where(layer: Layer, query: Query) -> tuple[sql.Composable, dict]:
    """The condition and its named parameters."""
    geom = sql.SQL("t.{}").format(sql.Identifier(layer.geometry_column))
    conditions: list[sql.Composable] = [sql.SQL("{} IS NOT NULL").format(geom)]
    params: dict = {}
    where = layer.where_sql(params)
    if where is not None:
        conditions.append(where)
    if query.bbox:
        conditions.append(
            sql.SQL("{} && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)").format(geom)
        )
        params.update(zip(("x0", "y0", "x1", "y1"), query.bbox, strict=True))
    for i, (attribute, value) in enumerate(query.filters):
        expression = sql.SQL(attribute.expression)
        name = sql.SQL(f"%(v{i})s")
        if attribute.type in ("string", "date"):
            conditions.append(sql.SQL("({})::text = {}").format(expression, name))
        else:
            conditions.append(sql.SQL("({}) = {}").format(expression, name))
        params[f"v{i}"] = value
    return sql.SQL(" AND ").join(conditions), params


def _feature_json(layer: Layer, attributes: tuple[Attribute, ...]) -> sql.Composable:
    pairs = []
    for attribute in attributes:
        pairs.append(
            sql.SQL("{}, {}").format(sql.Literal(attribute.name), sql.SQL(attribute.expression))
        )
    properties = (
        sql.SQL("json_build_object({})").format(sql.SQL(", ").join(pairs))
        if pairs
        else sql.SQL("'{}'::json")
    )
    return sql.SQL(
        "json_build_object('type', 'Feature', 'id', t.{pk},"
        " 'geometry', ST_AsGeoJSON(t.{geom}, 7)::json, 'properties', {properties})::text"
    ).format(
        pk=sql.Identifier(layer.pk_column),
        geom=sql.Identifier(layer.geometry_column),
        properties=properties,
    )


def features_page(
    layer: Layer, attributes: tuple[Attribute, ...], query: Query
) -> tuple[list[str], int]:
    """(features as GeoJSON text, number matched) for one page."""
    where, params = _where(layer, query)
    table = sql.Identifier(layer.table)
    pk = sql.Identifier(layer.pk_column)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT {} FROM {} t WHERE {} ORDER BY t.{} LIMIT %(limit)s OFFSET %(offset)s"
            ).format(_feature_json(layer, attributes), table, where, pk),
            {**params, "limit": query.limit, "offset": query.offset},
        )
        rows = [row[0] for row in cursor.fetchall()]
        if query.offset == 0 and len(rows) < query.limit:
            matched = len(rows)
        else:
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {} t WHERE {}").format(table, where), params
            )
            matched = cursor.fetchone()[0]
    return rows, matched


def feature_one(layer: Layer, attributes: tuple[Attribute, ...], pk: int) -> str | None:
    where, params = _where(layer, Query())
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT {} FROM {} t WHERE t.{} = %(pk)s AND {}").format(
                _feature_json(layer, attributes),
                sql.Identifier(layer.table),
                sql.Identifier(layer.pk_column),
                where,
            ),
            {**params, "pk": pk},
        )
        row = cursor.fetchone()
    return row[0] if row else None


def layer_extent(layer: Layer) -> list[float] | None:
    """[minx, miny, maxx, maxy] of the layer's rows, cached until it changes."""
    key = f"maps:extent:{layer.slug}:{cache.layer_version(layer.slug)}"
    cached = cache.cache.get(key)
    if cached is not None:
        return cached or None
    where, params = _where(layer, Query())
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                " FROM (SELECT ST_Extent(t.{}) AS e FROM {} t WHERE {}) s"
            ).format(sql.Identifier(layer.geometry_column), sql.Identifier(layer.table), where),
            params,
        )
        row = cursor.fetchone()
    extent = [float(v) for v in row] if row and row[0] is not None else []
    cache.cache.set(key, extent, timeout=3600)
    return extent or None

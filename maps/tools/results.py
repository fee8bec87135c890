"""What the tools answer, each in ONE statement over a selection
(:mod:`maps.tools.selection`): the result (count, extent, a page of rows,
a size-limited GeoJSON to highlight, the buffer's outline) and the summary
(counts and sums by ward, or in the drawn area, optionally by category).

The numbers are PostGIS's, computed on the server; the page only draws them."""

import json
from dataclasses import dataclass

from django.db import connection
from psycopg import sql

from maps import registry
from maps.registry import Attribute, Layer
from maps.tools.selection import Selection, outline_sql, selection_ctes

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
HIGHLIGHT_LIMIT = 2000  # features drawn as GeoJSON; the rest are counted and listed
WARD_LAYER = "wards"
WARD_NUMBER = "number"


def _columns(layer: Layer, attributes: tuple[Attribute, ...]) -> sql.Composable:
    pairs = [sql.SQL("'id', t.{}").format(sql.Identifier(layer.pk_column))]
    for attribute in attributes:
        pairs.append(
            sql.SQL("{}, {}").format(sql.Literal(attribute.name), sql.SQL(attribute.expression))
        )
    return sql.SQL("json_build_object({})").format(sql.SQL(", ").join(pairs))


def result_statement(
    selection: Selection,
    attributes: tuple[Attribute, ...],
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    highlight: int = HIGHLIGHT_LIMIT,
) -> tuple[sql.Composed, dict]:
    layer = selection.layer
    params: dict = {"offset": offset, "limit": limit, "highlight": highlight}
    ctes = selection_ctes(selection, params)
    statement = sql.SQL(
        "{ctes}, ext AS (SELECT ST_Extent(t.{geom}) AS e"
        " FROM hits JOIN {table} t ON t.{pk} = hits.id)"
        " SELECT (SELECT count(*) FROM hits),"
        " (SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] FROM ext),"
        " (SELECT COALESCE(json_agg(r.row ORDER BY r.id), '[]')"
        "  FROM (SELECT hits.id, {columns} AS row"
        "  FROM (SELECT id FROM hits ORDER BY id LIMIT %(limit)s OFFSET %(offset)s) hits"
        "  JOIN {table} t ON t.{pk} = hits.id) r),"
        " (SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg("
        "  json_build_object('type', 'Feature', 'id', t.{pk},"
        "  'properties', json_build_object('id', t.{pk}),"
        "  'geometry', ST_AsGeoJSON(t.{geom}, 6)::json)), '[]'))"
        "  FROM (SELECT id FROM hits ORDER BY id LIMIT %(highlight)s) h"
        "  JOIN {table} t ON t.{pk} = h.id),"
        " {outline}"
    ).format(
        ctes=ctes,
        geom=sql.Identifier(layer.geometry_column),
        table=sql.Identifier(layer.table),
        pk=sql.Identifier(layer.pk_column),
        columns=_columns(layer, attributes),
        outline=outline_sql(selection),
    )
    return statement, params


@dataclass
class Result:
    count: int
    bbox: list[float] | None
    rows: list[dict]
    highlight: dict
    outline: str | None


def result_run(selection: Selection, *, user, offset: int = 0, limit: int = PAGE_SIZE) -> Result:
    attributes = registry.visible_attributes(selection.layer, user)
    statement, params = result_statement(selection, attributes, offset=offset, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        count, bbox, rows, highlight, outline = cursor.fetchone()
    return Result(count, bbox, _json(rows), _json(highlight), outline)


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


# --- summaries ---------------------------------------------------------------


def _ward_expression(layer: Layer, user, tenant) -> sql.Composable | None:
    """The feature's ward number: the layer's own ``ward`` attribute when it
    has one, else the wards layer's ward under the feature (its point on
    surface).  None when neither is visible to the user."""
    names = {a.name: a for a in registry.visible_attributes(layer, user)}
    if "ward" in names:
        return sql.SQL(names["ward"].expression)
    wards = registry.layer_for_user(user, WARD_LAYER, tenant)
    if wards is None:
        return None
    number = {a.name: a for a in wards.attributes}.get(WARD_NUMBER)
    if number is None or number.sql:  # a plain column is expected here
        return None
    return sql.SQL(
        "(SELECT w_.{number} FROM {wards} w_ WHERE ST_Intersects(w_.{geom},"
        " ST_PointOnSurface(t.{target})) ORDER BY w_.{pk} LIMIT 1)"
    ).format(
        number=sql.Identifier(number.name),
        wards=sql.Identifier(wards.table),
        geom=sql.Identifier(wards.geometry_column),
        target=sql.Identifier(layer.geometry_column),
        pk=sql.Identifier(wards.pk_column),
    )


@dataclass(frozen=True)
class SummarySpec:
    by_ward: bool
    category: Attribute | None
    sums: tuple[Attribute, ...]


def summary_spec(layer: Layer, user, *, by_ward: bool, category: str = "") -> SummarySpec:
    names = {a.name: a for a in registry.visible_attributes(layer, user)}
    sums = tuple(names[f] for f in layer.sum_fields if f in names)
    chosen = names.get(category) if category in layer.count_by else None
    return SummarySpec(by_ward, chosen, sums)


def summary_statement(
    selection: Selection, spec: SummarySpec, *, ward: sql.Composable | None
) -> tuple[sql.Composed, dict]:
    layer = selection.layer
    params: dict = {}
    ctes = selection_ctes(selection, params)
    group = ward if (spec.by_ward and ward is not None) else sql.SQL("NULL::int")
    category = sql.SQL(spec.category.expression) if spec.category else sql.SQL("NULL::text")
    sums = [
        sql.SQL("COALESCE(sum({}), 0)").format(sql.SQL(attribute.expression))
        for attribute in spec.sums
    ]
    statement = sql.SQL(
        "{ctes} SELECT {group} AS grp, ({category})::text AS cat, count(*){sums}"
        " FROM hits JOIN {table} t ON t.{pk} = hits.id GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2"
    ).format(
        ctes=ctes,
        group=group,
        category=category,
        sums=sql.SQL("").join(sql.SQL(", ") + s for s in sums),
        table=sql.Identifier(layer.table),
        pk=sql.Identifier(layer.pk_column),
    )
    return statement, params


@dataclass
class Summary:
    columns: list[dict]
    rows: list[dict]
    total: dict


def summary_run(
    selection: Selection, *, user, tenant, by_ward: bool, category: str = ""
) -> Summary:
    spec = summary_spec(selection.layer, user, by_ward=by_ward, category=category)
    ward = _ward_expression(selection.layer, user, tenant) if by_ward else None
    statement, params = summary_statement(selection, spec, ward=ward)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        raw = cursor.fetchall()
    labels = dict(spec.category.choices) if spec.category else {}
    rows = []
    total = {"count": 0, **{a.name: 0 for a in spec.sums}}
    for grp, cat, count, *sums in raw:
        row = {"ward": grp, "category": cat, "category_label": str(labels.get(cat, cat or ""))}
        row["count"] = count
        total["count"] += count
        for attribute, value in zip(spec.sums, sums, strict=True):
            number = float(value) if attribute.type == "number" else int(value)
            row[attribute.name] = number
            total[attribute.name] += number
        rows.append(row)
    columns = [{"name": "count", "label": None}] + [
        {"name": a.name, "label": str(a.label)} for a in spec.sums
    ]
    return Summary(columns, rows, total)

"""What the tools answer, each in ONE statement over a selection
(:mod:`maps.tools.selection`): the result (count, extent, a page of rows,
a size-limited GeoJSON to highlight, the buffer's outline) and the summary
(counts and sums by ward, or in the drawn area, optionally by category).

The numbers are PostGIS's, computed on the server; the page only draws them."""

import json
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from psycopg import sql

from maps import registry
from maps.registry import Attribute, Layer
from maps.tools.selection import (
    Selection,
    execute_without_jit,
    outline_sql,
    selection_ctes,
    selection_key,
    selection_rows,
)

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
        "  JOIN {table} t ON t.{pk} = h.id)::text,"
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
    highlight: str  # GeoJSON text, passed through to the page unparsed
    outline: str | None


def result_run(selection: Selection, *, user, offset: int = 0, limit: int = PAGE_SIZE) -> Result:
    attributes = registry.visible_attributes(selection.layer, user)
    statement, params = result_statement(selection, attributes, offset=offset, limit=limit)
    with connection.cursor() as cursor:
        execute_without_jit(cursor, statement, params)
        count, bbox, rows, highlight, outline = cursor.fetchone()
    count_remember(selection, user=user, count=count)
    return Result(count, bbox, _json(rows), highlight, outline)


COUNT_SECONDS = 120


def _count_key(selection: Selection, user) -> str:
    return f"maps-tool-count:{getattr(user, 'pk', '')}:{selection_key(selection)}"


def count_remember(selection: Selection, *, user, count: int) -> None:
    """The page exports what it has just shown: its count decides between
    exporting at once and a background job without running the tool again."""
    cache.set(_count_key(selection, user), count, COUNT_SECONDS)


def count_recalled(selection: Selection, *, user) -> int | None:
    return cache.get(_count_key(selection, user))


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


_COLUMN_REF = re.compile(r'\bt\.(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))')


def _plain_columns(layer: Layer, expression: str) -> list[str] | None:
    """The columns of ``t`` an expression reads, when they are plain
    (non-geometry) columns of the layer's model; None otherwise.  An
    expression that reads only these has one value per combination of
    them, so rows can be grouped by the columns and the expression
    evaluated once per group (a ward number by the ward's id: a lookup per
    ward instead of per building)."""
    names = [quoted or bare for quoted, bare in _COLUMN_REF.findall(expression)]
    model = layer.model
    if model is None or not names:
        return None
    columns = {}
    for field in model._meta.concrete_fields:
        columns[field.column] = field
    if any(name not in columns or name == layer.geometry_column for name in names):
        return None
    return sorted(set(names))


def summary_statement(
    selection: Selection, spec: SummarySpec, *, ward: sql.Composable | None
) -> tuple[sql.Composed, dict]:
    """Counts and sums per (ward, category).  Where the ward and category
    expressions read only plain columns, rows are grouped by those columns
    first and each group's labels are read from one row of it (``rep``);
    otherwise the expressions are grouped on directly."""
    layer = selection.layer
    params: dict = {}
    prefix, rows = selection_rows(selection, params)
    group = ward if (spec.by_ward and ward is not None) else sql.SQL("NULL::int")
    category = sql.SQL(spec.category.expression) if spec.category else sql.SQL("NULL::text")
    sums = [sql.SQL(attribute.expression) for attribute in spec.sums]
    keys: list[str] = []
    direct = False  # an expression to group on as it is (not plain columns)
    for expression in (group, category):
        if not isinstance(expression, sql.SQL):
            direct = True  # composed here (the ward under a point): group on it
            continue
        text = expression.as_string(None)
        if text.startswith("NULL::"):
            continue  # a constant
        columns = _plain_columns(layer, text)
        if columns is None:
            direct = True
        else:
            keys.extend(c for c in columns if c not in keys)
    table = sql.Identifier(layer.table)
    pk = sql.Identifier(layer.pk_column)
    if keys and not direct:
        inner = sql.SQL(
            "SELECT min(t.{pk}) AS rep, count(*) AS n{sums} {rows} GROUP BY {keys}"
        ).format(
            pk=pk,
            sums=sql.SQL("").join(
                sql.SQL(", COALESCE(sum({}), 0) AS s{}").format(e, sql.SQL(str(i)))
                for i, e in enumerate(sums)
            ),
            rows=rows,
            keys=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k)) for k in keys),
        )
        statement = sql.SQL(
            "{prefix} SELECT l.grp, l.cat, sum(g.n)::bigint{outer} FROM ({inner}) g"
            " CROSS JOIN LATERAL (SELECT {group} AS grp, ({category})::text AS cat"
            " FROM {table} t WHERE t.{pk} = g.rep) l GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2"
        ).format(
            prefix=prefix,
            outer=sql.SQL("").join(
                sql.SQL(", sum(g.s{})").format(sql.SQL(str(i))) for i in range(len(sums))
            ),
            inner=inner,
            group=group,
            category=category,
            table=table,
            pk=pk,
        )
        return statement, params
    statement = sql.SQL(
        "{prefix} SELECT {group} AS grp, ({category})::text AS cat, count(*){sums}"
        " {rows} GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2"
    ).format(
        prefix=prefix,
        group=group,
        category=category,
        sums=sql.SQL("").join(sql.SQL(", COALESCE(sum({}), 0)").format(e) for e in sums),
        rows=rows,
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
        execute_without_jit(cursor, statement, params)
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

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


def _link_join(layer: Layer, attribute: Attribute) -> sql.Composable:
    table, column = attribute.link_count
    return sql.SQL("JOIN {table} l_ ON l_.{column} = t.{pk}").format(
        table=sql.Identifier(table),
        column=sql.Identifier(column),
        pk=sql.Identifier(layer.pk_column),
    )


def _sum_columns(spec: SummarySpec, link: int | None) -> sql.Composable:
    """`, ... AS s0, ... AS s1`: the sums of the rows (``link`` None; link
    counts are 0 there) or of one link count's joined rows (the others 0)."""
    columns = []
    for i, attribute in enumerate(spec.sums):
        if link is None:
            value = (
                sql.SQL("0")
                if attribute.link_count
                else sql.SQL("COALESCE(sum({}), 0)").format(sql.SQL(attribute.expression))
            )
        else:
            value = sql.SQL("count(*)") if i == link else sql.SQL("0")
        columns.append(sql.SQL(", {} AS {}").format(value, sql.Identifier(f"s{i}")))
    return sql.Composed(columns)


def _summed(spec: SummarySpec, source: str) -> sql.Composable:
    return sql.Composed(
        [
            sql.SQL(", sum({}.{})").format(sql.SQL(source), sql.Identifier(f"s{i}"))
            for i in range(len(spec.sums))
        ]
    )


def summary_statement(
    selection: Selection, spec: SummarySpec, *, ward: sql.Composable | None
) -> tuple[sql.Composed, dict]:
    """Counts and sums per (ward, category).  Where the ward and category
    expressions read only plain columns, rows are grouped by those columns
    first and each group's labels are read from one row of it (``rep``);
    otherwise the expressions are grouped on directly.  A link count
    (:attr:`maps.registry.Attribute.link_count`, a building's holdings) is
    the rows of the link table joined to the selected rows, grouped the
    same way, added to the groups (UNION ALL, then summed per group)."""
    layer = selection.layer
    params: dict = {}
    prefix, rows = selection_rows(selection, params)
    links = [i for i, attribute in enumerate(spec.sums) if attribute.link_count]
    linked = {
        i: selection_rows(selection, params, join=_link_join(layer, spec.sums[i]))[1] for i in links
    }
    group = ward if (spec.by_ward and ward is not None) else sql.SQL("NULL::int")
    category = sql.SQL(spec.category.expression) if spec.category else sql.SQL("NULL::text")
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
        key_list = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k)) for k in keys)
        named = sql.SQL(", ").join(
            sql.SQL("t.{} AS {}").format(sql.Identifier(k), sql.Identifier(f"k{i}"))
            for i, k in enumerate(keys)
        )
        inner = sql.SQL(
            "SELECT {named}, min(t.{pk}) AS rep, count(*) AS n{sums} {rows} GROUP BY {keys}"
        ).format(named=named, pk=pk, sums=_sum_columns(spec, None), rows=rows, keys=key_list)
        if links:
            parts = [inner] + [
                sql.SQL("SELECT {named}, NULL AS rep, 0 AS n{sums} {rows} GROUP BY {keys}").format(
                    named=named, sums=_sum_columns(spec, i), rows=linked[i], keys=key_list
                )
                for i in links
            ]
            inner = sql.SQL(
                "SELECT min(u.rep) AS rep, sum(u.n) AS n{sums} FROM ({parts}) u GROUP BY {keys}"
            ).format(
                sums=sql.Composed(
                    [
                        sql.SQL(", sum(u.{}) AS {}").format(
                            sql.Identifier(f"s{i}"), sql.Identifier(f"s{i}")
                        )
                        for i in range(len(spec.sums))
                    ]
                ),
                parts=sql.SQL(" UNION ALL ").join(parts),
                keys=sql.SQL(", ").join(
                    sql.SQL("u.{}").format(sql.Identifier(f"k{i}")) for i in range(len(keys))
                ),
            )
        statement = sql.SQL(
            "{prefix} SELECT l.grp, l.cat, sum(g.n)::bigint{outer} FROM ({inner}) g"
            " CROSS JOIN LATERAL (SELECT {group} AS grp, ({category})::text AS cat"
            " FROM {table} t WHERE t.{pk} = g.rep) l GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2"
        ).format(
            prefix=prefix,
            outer=_summed(spec, "g"),
            inner=inner,
            group=group,
            category=category,
            table=table,
            pk=pk,
        )
        return statement, params
    base = sql.SQL(
        "SELECT {group} AS grp, ({category})::text AS cat, count(*) AS n{sums} {rows} GROUP BY 1, 2"
    ).format(group=group, category=category, sums=_sum_columns(spec, None), rows=rows)
    if not links:
        return sql.SQL("{prefix} {base} ORDER BY 1 NULLS LAST, 2").format(
            prefix=prefix, base=base
        ), params
    parts = [base] + [
        sql.SQL(
            "SELECT {group} AS grp, ({category})::text AS cat, 0 AS n{sums} {rows} GROUP BY 1, 2"
        ).format(group=group, category=category, sums=_sum_columns(spec, i), rows=linked[i])
        for i in links
    ]
    statement = sql.SQL(
        "{prefix} SELECT u.grp, u.cat, sum(u.n)::bigint{sums} FROM ({parts}) u"
        " GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2"
    ).format(prefix=prefix, sums=_summed(spec, "u"), parts=sql.SQL(" UNION ALL ").join(parts))
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

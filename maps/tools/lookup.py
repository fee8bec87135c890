"""Find (autocomplete) and the info box, over the layers the user may see.

Find searches the fields each layer declares (``Layer.search_fields``)
that the user's roles may read: owners' names only for the roles that see
owners, because the registry declares that attribute for them alone.  A
field may bring its own normaliser (a holding code typed with Bangla digits
or spaces), match kind and fast SQL condition (attributes ``normalise``,
``match`` and ``search_sql``, read with defaults)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from psycopg import sql

from maps import registry
from maps.registry import Attribute, Layer

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


@dataclass(frozen=True)
class SearchSpec:
    """How find treats one search field (registered by the domain that owns
    the layer; maps imports no domain)."""

    normalise: Callable[[str], str] | None = None
    match: str = "prefix"  # "exact" | "prefix" | "contains"
    # A condition over ``t`` with %(q)s (the value, or a LIKE pattern for
    # prefix and contains), e.g. an EXISTS on a link table: far faster than
    # matching an aggregated attribute row by row.
    sql: str = ""


_SEARCH: dict[tuple[str, str], SearchSpec] = {}


def search_field_register(
    layer: str,
    attribute: str,
    *,
    normalise: Callable[[str], str] | None = None,
    match: str = "prefix",
    sql: str = "",
) -> None:
    """A domain says how its search field is matched, e.g. holding codes:
    ``search_field_register("buildings", "holding_codes",
    normalise=holding_code_normalise, match="exact", sql="EXISTS (...)")``."""
    if match not in ("exact", "prefix", "contains"):
        raise ValueError(f"unknown match {match!r}")
    _SEARCH[(layer, attribute)] = SearchSpec(normalise, match, sql)


def _spec(layer: Layer, attribute: Attribute) -> SearchSpec:
    registered = _SEARCH.get((layer.slug, attribute.name))
    if registered is not None:
        return registered
    return SearchSpec(
        getattr(attribute, "normalise", None),
        getattr(attribute, "match", "prefix"),
        getattr(attribute, "search_sql", ""),
    )


FIND_LIMIT = 10
MIN_QUERY = 2
MAX_QUERY = 100


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _field_condition(layer: Layer, attribute: Attribute, text: str, params: dict, key: str):
    """SQL condition for one search field, or None when the text cannot be
    a value of it (the field's normaliser refused it)."""
    spec = _spec(layer, attribute)
    normalise = spec.normalise
    value = text
    if normalise is not None:
        try:
            value = normalise(text)
        except (ValidationError, ValueError):
            return None
    match = spec.match
    custom = spec.sql
    if custom:
        # %(q)s is the value as the match needs it: exact, "value%" or "%value%".
        params[key] = {
            "exact": value,
            "prefix": f"{_like_escape(value)}%",
            "contains": f"%{_like_escape(value)}%",
        }[match]
        return sql.SQL("({})").format(sql.SQL(custom.replace("%(q)s", f"%({key})s")))
    if match == "exact":
        params[key] = value
        return sql.SQL("({})::text = %({})s").format(sql.SQL(attribute.expression), sql.SQL(key))
    if match == "contains":
        params[key] = f"%{_like_escape(value)}%"
        return sql.SQL("({})::text ILIKE %({})s").format(
            sql.SQL(attribute.expression), sql.SQL(key)
        )
    params[key] = f"{_like_escape(value)}%"
    upper = value.upper()
    if upper != value:
        params[key + "u"] = f"{_like_escape(upper)}%"
        return sql.SQL("(({e})::text LIKE %({k})s OR ({e})::text LIKE %({ku})s)").format(
            e=sql.SQL(attribute.expression), k=sql.SQL(key), ku=sql.SQL(key + "u")
        )
    return sql.SQL("({})::text LIKE %({})s").format(sql.SQL(attribute.expression), sql.SQL(key))


def find_statement(layers_fields, text: str, limit: int) -> tuple[sql.Composed | None, dict]:
    params: dict = {"limit": limit}
    parts = []
    for li, (layer, fields) in enumerate(layers_fields):
        label = layer.label_attribute or fields[0].name
        try:
            label_attribute = layer.attribute(label)
        except KeyError:
            label_attribute = fields[0]
        for fi, attribute in enumerate(fields):
            key = f"q{li}_{fi}"
            condition = _field_condition(layer, attribute, text, params, key)
            if condition is None:
                continue
            where = [condition]
            layer_where = layer.where_sql(params)
            if layer_where is not None:
                where.append(layer_where)
            parts.append(
                sql.SQL(
                    "(SELECT {slug} AS layer, {field} AS field, t.{pk} AS id,"
                    " ({label})::text AS label, ({value})::text AS value,"
                    " ARRAY[ST_XMin(t.{geom}), ST_YMin(t.{geom}), ST_XMax(t.{geom}),"
                    " ST_YMax(t.{geom})] AS bbox FROM {table} t WHERE {where}"
                    " ORDER BY 4 LIMIT %(limit)s)"
                ).format(
                    slug=sql.Literal(layer.slug),
                    field=sql.Literal(attribute.name),
                    pk=sql.Identifier(layer.pk_column),
                    label=sql.SQL(label_attribute.expression),
                    value=sql.SQL(attribute.expression),
                    geom=sql.Identifier(layer.geometry_column),
                    table=sql.Identifier(layer.table),
                    where=sql.SQL(" AND ").join(where),
                )
            )
    if not parts:
        return None, params
    # One part alone in parentheses followed by LIMIT is two LIMITs to PostgreSQL.
    union = sql.SQL(" UNION ALL ").join(parts)
    return sql.SQL("SELECT * FROM ({}) found LIMIT %(limit)s").format(union), params


def feature_find(*, user, tenant, text: str, layer: str = "", limit: int = FIND_LIMIT) -> list:
    """Up to ``limit`` features whose searchable fields start with (or, for
    names, contain) ``text``: layer, field, id, label, value, bbox."""
    text = " ".join((text or "").split())[:MAX_QUERY].translate(BANGLA_DIGITS)
    if len(text) < MIN_QUERY:
        return []
    layers_fields = []
    for candidate in registry.layers_for_user(user, tenant):
        if layer and candidate.slug != layer:
            continue
        visible = {a.name: a for a in registry.visible_attributes(candidate, user)}
        fields = [visible[name] for name in candidate.search_fields if name in visible]
        if fields:
            layers_fields.append((candidate, fields))
    statement, params = find_statement(layers_fields, text, limit)
    if statement is None:
        return []
    titles = {candidate.slug: str(candidate.title) for candidate, _fields in layers_fields}
    labels = {(c.slug, a.name): str(a.label) for c, fields in layers_fields for a in fields}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return [
        {
            "layer": slug,
            "layer_title": titles[slug],
            "field": field,
            "field_label": labels[(slug, field)],
            "id": pk,
            "label": label,
            "value": value,
            "bbox": bbox,
        }
        for slug, field, pk, label, value, bbox in rows
    ]


def feature_info(*, user, layer: Layer, pk: int) -> dict | None:
    """The record's attributes this user may read, and the link to its page."""
    attributes = registry.visible_attributes(layer, user)
    columns = [
        sql.SQL("{} AS {}").format(sql.SQL(a.expression), sql.Identifier(a.name))
        for a in attributes
    ]
    params: dict = {"pk": pk}
    where = [sql.SQL("t.{} = %(pk)s").format(sql.Identifier(layer.pk_column))]
    layer_where = layer.where_sql(params)
    if layer_where is not None:
        where.append(layer_where)
    statement = sql.SQL(
        "SELECT {columns}, ARRAY[ST_XMin(t.{geom}), ST_YMin(t.{geom}), ST_XMax(t.{geom}),"
        " ST_YMax(t.{geom})] FROM {table} t WHERE {where}"
    ).format(
        columns=sql.SQL(", ").join(columns) if columns else sql.SQL("NULL"),
        geom=sql.Identifier(layer.geometry_column),
        table=sql.Identifier(layer.table),
        where=sql.SQL(" AND ").join(where),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip([a.name for a in attributes], row[:-1], strict=False))
    fields = []
    for attribute in attributes:
        value = values.get(attribute.name)
        shown = dict(attribute.choices).get(value, value) if attribute.choices else value
        if attribute.type == "boolean" and value is not None:
            shown = _("Yes") if value else _("No")
        fields.append(
            {
                "name": attribute.name,
                "label": str(attribute.label),
                "value": None if value is None else str(shown),
            }
        )
    label = values.get(layer.label_attribute) if layer.label_attribute else None
    return {
        "layer": layer.slug,
        "layer_title": str(layer.title),
        "id": pk,
        "label": None if label is None else str(label),
        "fields": fields,
        "url": layer.detail_url_for({**values, "id": pk}),
        "bbox": row[-1],
    }


def layer_extent(layer: Layer) -> list[float] | None:
    """The layer's bounding box (estimated from statistics when there are any)."""
    statement = sql.SQL(
        "SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)]"
        " FROM (SELECT ST_Extent(t.{geom}) AS e FROM {table} t) x"
    ).format(geom=sql.Identifier(layer.geometry_column), table=sql.Identifier(layer.table))
    with connection.cursor() as cursor:
        cursor.execute(statement)
        row = cursor.fetchone()
    return row[0] if row and row[0] and row[0][0] is not None else None

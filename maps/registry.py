"""Layer registry: each domain registers its layers from its own ``layers.py``
(found by :class:`maps.apps.MapsConfig` at start-up), so maps imports no domain.

A :class:`Layer` says where its rows live (the domain's model, geometry column,
primary key), which roles may see it, which attributes each audience sees,
how it is drawn (MapLibre style, thematic styles, zoom range), where a
feature's page is, and which fields the find and summarise tools use.
Attribute expressions are SQL written by the domain (trusted code, never
user input) over the table alias ``t``.  ``{today}`` in an attribute or in
a layer's ``where`` stands for the municipality's date (its own clock,
:func:`tenants.clock.municipality_today`); such a layer sets ``daily`` so
its cached tiles are kept per day."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from psycopg import sql

from tenants.clock import municipality_today
from tenants.permissions import user_roles

_LAYERS: dict[str, "Layer"] = {}

ATTRIBUTE_TYPES = ("string", "integer", "number", "date", "boolean")
TODAY = "{today}"
TODAY_PARAM = "maps_today"


def layer_today():
    """The current municipality's date (what ``{today}`` stands for)."""
    return municipality_today(getattr(connection, "tenant", None))


GEOMETRY_TYPES = ("polygon", "line", "point")


@dataclass(frozen=True)
class Attribute:
    """One property of a feature.

    ``roles`` empty: every role that sees the layer sees it; otherwise only
    those roles (owners' names only for the owner readers).  ``sql`` is an
    expression over ``t`` (default: the column of the same name).
    ``tiles`` False keeps it out of vector tiles (info box and OGC only);
    ``tile_min_zoom`` puts it in tiles only from that zoom on.  A layer
    with an expression using ``{today}`` sets ``daily``.

    ``link_count`` (table, column): the number of rows of that table whose
    column is the feature's id (a building's holdings through the link
    table).  Its expression is that count; a summary sums it by joining
    the table once instead of counting feature by feature."""

    name: str
    label: Any
    type: str = "string"
    sql: str = ""
    roles: tuple[str, ...] = ()
    tiles: bool = True
    tile_min_zoom: int = 0
    choices: tuple[tuple[str, Any], ...] = ()
    link_count: tuple[str, str] = ()

    def __post_init__(self):
        if self.type not in ATTRIBUTE_TYPES:
            raise ValueError(f"attribute {self.name!r}: unknown type {self.type!r}")
        if self.link_count and (self.sql or self.type != "integer" or len(self.link_count) != 2):
            raise ValueError(f"attribute {self.name!r}: a link count is an integer with no sql")

    @property
    def expression(self) -> str:
        """The SQL; ``{today}`` stands for the municipality's date (a literal
        made from a date object, not from input)."""
        if self.link_count:
            table, column = self.link_count
            count = sql.SQL("(SELECT count(*) FROM {} l_ WHERE l_.{} = t.id)")
            return count.format(sql.Identifier(table), sql.Identifier(column)).as_string(None)
        expression = self.sql or f't."{self.name}"'
        if TODAY in expression:
            expression = expression.replace(TODAY, f"DATE '{layer_today().isoformat()}'")
        return expression

    def visible_to(self, roles: frozenset[str]) -> bool:
        return not self.roles or bool(roles & set(self.roles))


@dataclass(frozen=True)
class Theme:
    """A thematic style: ``style`` replaces the layer's paint (and layout)
    keys it names; ``attribute`` is the property it colours by."""

    slug: str
    title: Any
    attribute: str
    style: dict = field(default_factory=dict)
    legend: tuple[tuple[str, Any, str], ...] = ()  # (value, label, colour)


@dataclass(frozen=True)
class Layer:
    slug: str
    title: Any
    roles: tuple[str, ...]
    model: Any = None  # the domain's Django model class
    geometry: str = "geom"  # field name of the geometry
    geometry_type: str = "polygon"
    module: str | None = None  # the municipality's module that must be on
    attributes: tuple[Attribute, ...] = ()
    style: dict = field(default_factory=dict)  # MapLibre: {"type", "paint", "layout"}
    themes: tuple[Theme, ...] = ()
    min_zoom: int = 0
    max_zoom: int = 22
    # Below this zoom tiles are coarser (smaller extent) and polygons
    # smaller than one tile unit are left out.
    full_detail_zoom: int = 16
    detail_url: str = ""  # "/staff/registry/buildings/{bin}/": attribute names in braces
    label_attribute: str = ""
    search_fields: tuple[str, ...] = ()
    sum_fields: tuple[str, ...] = ()
    count_by: tuple[str, ...] = ()
    # SQL condition over t every request adds (e.g. not demolished); may use
    # {today} (a query parameter: see where_sql)
    where: str = ""
    daily: bool = False  # attributes or where depend on today's date (tiles keyed by day)
    order: int = 100  # drawing order: lower first

    def __post_init__(self):
        if self.geometry_type not in GEOMETRY_TYPES:
            raise ValueError(f"layer {self.slug!r}: unknown geometry {self.geometry_type!r}")
        names = {a.name for a in self.attributes}
        if not self.daily and any(TODAY in a.sql for a in self.attributes):
            raise ValueError(f"layer {self.slug!r}: an attribute uses {{today}}: set daily")
        if (
            self.model is not None
            and any(a.link_count for a in self.attributes)
            and self.pk_column != "id"
        ):
            raise ValueError(f"layer {self.slug!r}: link counts need the primary key t.id")
        if not self.daily and TODAY in self.where:
            raise ValueError(f"layer {self.slug!r}: where uses {{today}}: set daily")
        for group in (self.search_fields, self.sum_fields, self.count_by):
            unknown = set(group) - names
            if unknown:
                raise ValueError(f"layer {self.slug!r}: unknown attributes {sorted(unknown)}")

    # --- where the rows are -------------------------------------------------
    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def geometry_column(self) -> str:
        return self.model._meta.get_field(self.geometry).column

    @property
    def pk_column(self) -> str:
        return self.model._meta.pk.column

    def where_sql(self, params: dict | None) -> sql.Composable | None:
        """The layer's ``where`` in parentheses, or None.  ``{today}``
        becomes the named parameter ``%(maps_today)s`` (the municipality's
        date, a ``date`` put in ``params``); with ``params`` None (a
        statement without parameters) a date literal psycopg quotes."""
        if not self.where:
            return None
        if TODAY not in self.where:
            return sql.SQL("({})").format(sql.SQL(self.where))
        today = layer_today()
        if params is None:
            marker = sql.Literal(today)
        else:
            params[TODAY_PARAM] = today
            marker = sql.SQL("%({})s").format(sql.SQL(TODAY_PARAM))
        pieces: list[sql.Composable] = []
        for i, part in enumerate(self.where.split(TODAY)):
            if i:
                pieces.append(marker)
            pieces.append(sql.SQL(part))
        return sql.SQL("({})").format(sql.Composed(pieces))

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def detail_url_for(self, properties: dict) -> str:
        if not self.detail_url:
            return ""
        try:
            return self.detail_url.format(**properties)
        except (KeyError, IndexError):
            return ""


def layer_register(layer: Layer) -> None:
    if layer.slug in _LAYERS:
        raise ValueError(f"layer {layer.slug!r} is registered twice")
    _LAYERS[layer.slug] = layer


def layer_list() -> list[Layer]:
    return sorted(_LAYERS.values(), key=lambda layer: (layer.order, layer.slug))


def layer_get(slug: str) -> Layer | None:
    return _LAYERS.get(slug)


# --- selectors: what a user may see ---------------------------------------


def _module_on(layer: Layer, tenant) -> bool:
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        return False
    return not layer.module or tenant.has_module(layer.module)


def layer_visible(layer: Layer, user, tenant=None) -> bool:
    return layer_visible_to_roles(layer, user_roles(user), tenant)


def layer_visible_to_roles(layer: Layer, roles: frozenset[str], tenant=None) -> bool:
    tenant = tenant if tenant is not None else getattr(connection, "tenant", None)
    return _module_on(layer, tenant) and bool(roles & set(layer.roles))


def layers_for_user(user, tenant=None) -> list[Layer]:
    """The layers this user may see in the current municipality, in drawing order."""
    return [layer for layer in layer_list() if layer_visible(layer, user, tenant)]


def layer_for_user(user, slug: str, tenant=None) -> Layer | None:
    """The layer if the user may see it, else None (views answer 404)."""
    return layer_for_roles(user_roles(user), slug, tenant)


def layer_for_roles(roles: frozenset[str], slug: str, tenant=None) -> Layer | None:
    layer = _LAYERS.get(slug)
    if layer is None or not layer_visible_to_roles(layer, roles, tenant):
        return None
    return layer


def visible_attributes(layer: Layer, user) -> tuple[Attribute, ...]:
    """The attributes this user's roles may read (tiles, OGC, info box)."""
    return visible_attributes_for_roles(layer, user_roles(user))


def visible_attributes_for_roles(layer: Layer, roles: frozenset[str]) -> tuple[Attribute, ...]:
    return tuple(a for a in layer.attributes if a.visible_to(roles))


def tile_attributes(layer: Layer, user, z: int) -> tuple[Attribute, ...]:
    return tile_attributes_for_roles(layer, user_roles(user), z)


def tile_attributes_for_roles(layer: Layer, roles: frozenset[str], z: int) -> tuple[Attribute, ...]:
    return tuple(
        a for a in visible_attributes_for_roles(layer, roles) if a.tiles and z >= a.tile_min_zoom
    )


def audience_key(attributes: Iterable[Attribute]) -> str:
    """Roles that see the same attributes share cached tiles."""
    names = ",".join(sorted(a.name for a in attributes))
    return hashlib.blake2s(names.encode(), digest_size=6).hexdigest()


_AUDIENCES: dict[tuple[str, int], tuple[str, ...]] = {}
MAX_AUDIENCES = 8


def tile_audiences(layer: Layer, z: int) -> tuple[str, ...]:
    """Every audience key a tile of this layer at zoom ``z`` can have (one per
    combination of role-limited attribute groups), so a tile request can read
    the candidates with the caller's roles in one round trip; empty if there
    would be more than ``MAX_AUDIENCES``."""
    cached = _AUDIENCES.get((layer.slug, z))
    if cached is not None:
        return cached
    in_tiles = [a for a in layer.attributes if a.tiles and z >= a.tile_min_zoom]
    groups = sorted({a.roles for a in in_tiles if a.roles})
    audiences: set[str] = set()
    if 2 ** len(groups) <= MAX_AUDIENCES:
        for mask in range(2 ** len(groups)):
            chosen = {g for i, g in enumerate(groups) if mask >> i & 1}
            audiences.add(audience_key(a for a in in_tiles if not a.roles or a.roles in chosen))
    result = tuple(sorted(audiences))
    _AUDIENCES[(layer.slug, z)] = result
    return result


def layer_client_config(layer: Layer, user) -> dict:
    """What the map page needs about one layer, JSON-ready (labels in the
    active language)."""
    attributes = visible_attributes(layer, user)
    names = {a.name for a in attributes}
    return {
        "slug": layer.slug,
        "title": str(layer.title),
        "geometry_type": layer.geometry_type,
        "tiles": f"/tiles/{layer.slug}/{{z}}/{{x}}/{{y}}.mvt",
        "min_zoom": layer.min_zoom,
        "max_zoom": layer.max_zoom,
        "style": layer.style,
        "themes": [
            {
                "slug": theme.slug,
                "title": str(theme.title),
                "attribute": theme.attribute,
                "style": theme.style,
                "legend": [[v, str(label), colour] for v, label, colour in theme.legend],
            }
            for theme in layer.themes
            if theme.attribute in names
        ],
        "attributes": [
            {
                "name": a.name,
                "label": str(a.label),
                "type": a.type,
                "tiles": a.tiles,
                "choices": [[value, str(label)] for value, label in a.choices],
            }
            for a in attributes
        ],
        "detail_url": layer.detail_url,
        "label_attribute": layer.label_attribute if layer.label_attribute in names else "",
        "search_fields": [f for f in layer.search_fields if f in names],
        "sum_fields": [f for f in layer.sum_fields if f in names],
        "count_by": [f for f in layer.count_by if f in names],
    }

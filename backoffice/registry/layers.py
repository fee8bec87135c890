"""The registry's map layers: buildings, roads, drains, waterbodies, wards.

Loaded by maps at start-up (``autodiscover_modules("layers")``).  Edits made
one row at a time retire the layer's cached tiles through the signals below
(cache upkeep only, no business logic); bulk writes that bypass ``save()``
(imports, the synthetic generator) call ``maps.cache.layer_changed`` for
each slug in :data:`LAYER_SLUGS` themselves."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

from backoffice.registry import choices
from backoffice.registry.models import (
    Boundary,
    Building,
    BuildingHolding,
    Drain,
    Holding,
    HoldingOwner,
    Owner,
    Road,
    Ward,
    Waterbody,
)
from backoffice.registry.privacy import OWNER_READERS
from backoffice.registry.views.access import MODULE, READERS
from maps.cache import layer_changed
from maps.registry import Attribute, Layer, Theme, layer_register

LAYER_SLUGS = ("buildings", "roads", "drains", "waterbodies", "wards", "boundaries")

_WARD_NUMBER = "(SELECT w.number FROM registry_ward w WHERE w.id = t.ward_id)"
_HOLDING_CODES = (
    "(SELECT string_agg(h.code, ', ' ORDER BY h.code) FROM registry_buildingholding bh"
    " JOIN registry_holding h ON h.id = bh.holding_id WHERE bh.building_id = t.id)"
)
_ADDRESSES = (
    "(SELECT string_agg(DISTINCT h.address, '; ') FROM registry_buildingholding bh"
    " JOIN registry_holding h ON h.id = bh.holding_id"
    " WHERE bh.building_id = t.id AND h.address <> '')"
)
_OWNER_NAMES = (
    "(SELECT string_agg(DISTINCT o.name_en, ', ') FROM registry_buildingholding bh"
    " JOIN registry_holdingowner ho ON ho.holding_id = bh.holding_id"
    " JOIN registry_owner o ON o.id = ho.owner_id WHERE bh.building_id = t.id)"
)

USE_COLOURS = {
    "residential": "#f2c14e",
    "commercial": "#e4572e",
    "mixed": "#f08a4b",
    "industrial": "#8e6c8a",
    "institutional": "#4c86a8",
    "government": "#2e5077",
    "religious": "#76b041",
    "health": "#d7263d",
    "education": "#1b998b",
}
STRUCTURE_COLOURS = {
    "pucca": "#5b5f97",
    "semi_pucca": "#8fa1c7",
    "tin_shed": "#c0c0c0",
    "kutcha": "#b08968",
    "other": "#e0e0e0",
}
FLOOR_STEPS = (("1", "#fee5d9"), ("2", "#fcae91"), ("4", "#fb6a4a"), ("7", "#cb181d"))


def _match(attribute: str, colours: dict[str, str], default: str = "#cccccc") -> list:
    expression: list = ["match", ["get", attribute]]
    for value, colour in colours.items():
        expression += [value, colour]
    return [*expression, default]


def _legend(colours: dict[str, str], labels) -> tuple:
    names = dict(labels)
    return tuple((value, names.get(value, value), colour) for value, colour in colours.items())


BUILDINGS = Layer(
    slug="buildings",
    title=_("Buildings"),
    roles=READERS,
    model=Building,
    geometry="footprint",
    geometry_type="polygon",
    module=MODULE,
    attributes=(
        Attribute("bin", _("BIN")),
        Attribute("ward", _("ward"), type="integer", sql=_WARD_NUMBER),
        Attribute("house_number", _("house number")),
        Attribute("use", _("use"), choices=tuple(choices.BuildingUse.choices)),
        Attribute(
            "structure_type", _("structure type"), choices=tuple(choices.StructureType.choices)
        ),
        Attribute("floors", _("floors"), type="integer"),
        Attribute("households", _("households"), type="integer"),
        Attribute("population", _("population"), type="integer"),
        Attribute("status", _("status"), choices=tuple(choices.BuildingStatus.choices)),
        Attribute(
            "sanitation_system",
            _("sanitation system"),
            choices=tuple(choices.SanitationSystem.choices),
            tiles=False,
        ),
        Attribute(
            "water_source",
            _("water source"),
            choices=tuple(choices.WaterSource.choices),
            tiles=False,
        ),
        Attribute("construction_year", _("construction year"), type="integer", tiles=False),
        Attribute("low_income", _("low-income community"), type="boolean", tiles=False),
        Attribute("holding_codes", _("holdings"), sql=_HOLDING_CODES, tiles=False),
        Attribute("addresses", _("address"), sql=_ADDRESSES, tiles=False),
        # How many holdings the building carries (summed by the summary tool).
        Attribute(
            "holding_count",
            _("number of holdings"),
            type="integer",
            tiles=False,
            link_count=(BuildingHolding._meta.db_table, "building_id"),
        ),
        # Owners' names: only the roles that may see owners, and in tiles
        # only close up (never for service providers or viewers).
        Attribute(
            "owner_names", _("owners"), sql=_OWNER_NAMES, roles=OWNER_READERS, tile_min_zoom=17
        ),
    ),
    style={
        "type": "fill",
        "paint": {"fill-color": "#d9c9a8", "fill-outline-color": "#8c7a5b", "fill-opacity": 0.8},
    },
    themes=(
        Theme(
            "use",
            _("Buildings by use"),
            "use",
            {"paint": {"fill-color": _match("use", USE_COLOURS)}},
            _legend(USE_COLOURS, choices.BuildingUse.choices),
        ),
        Theme(
            "structure",
            _("Buildings by structure"),
            "structure_type",
            {"paint": {"fill-color": _match("structure_type", STRUCTURE_COLOURS)}},
            _legend(STRUCTURE_COLOURS, choices.StructureType.choices),
        ),
        Theme(
            "floors",
            _("Buildings by floors"),
            "floors",
            {
                "paint": {
                    "fill-color": [
                        "step",
                        ["get", "floors"],
                        FLOOR_STEPS[0][1],
                        *[v for value, colour in FLOOR_STEPS[1:] for v in (int(value), colour)],
                    ]
                }
            },
            tuple((value, f"{value}+", colour) for value, colour in FLOOR_STEPS),
        ),
    ),
    min_zoom=13,
    max_zoom=22,
    full_detail_zoom=16,
    detail_url="/staff/registry/buildings/{bin}/",
    label_attribute="bin",
    # Addresses last: a part of the union runs only when those before it
    # found fewer than the limit (a name matching owners never reads every
    # address).
    search_fields=("bin", "house_number", "holding_codes", "owner_names", "addresses"),
    sum_fields=("households", "population", "holding_count"),
    count_by=("use", "structure_type"),
    where="t.status <> 'demolished'",
    order=50,
)

ROADS = Layer(
    slug="roads",
    title=_("Roads"),
    roles=READERS,
    model=Road,
    geometry="line",
    geometry_type="line",
    module=MODULE,
    attributes=(
        Attribute("code", _("road code")),
        Attribute("name_en", _("name (English)")),
        Attribute("name_bn", _("name (Bangla)")),
        Attribute("road_class", _("class"), choices=tuple(choices.RoadClass.choices)),
        Attribute("width_m", _("width (m)"), type="number", sql='t."width_m"::float8'),
    ),
    style={
        "type": "line",
        "paint": {
            "line-color": _match(
                "road_class",
                {"main": "#e8a33d", "secondary": "#f3d27a", "lane": "#ffffff"},
                "#bbbbbb",
            ),
            "line-width": [
                "match",
                ["get", "road_class"],
                "main",
                4,
                "secondary",
                3,
                "lane",
                2,
                1,
            ],
        },
        "layout": {"line-cap": "round", "line-join": "round"},
    },
    min_zoom=11,
    full_detail_zoom=14,
    detail_url="",
    label_attribute="name_en",
    search_fields=("code", "name_en", "name_bn"),
    count_by=("road_class",),
    order=60,
)

DRAINS = Layer(
    slug="drains",
    title=_("Drains"),
    roles=READERS,
    model=Drain,
    geometry="line",
    geometry_type="line",
    module=MODULE,
    attributes=(
        Attribute("code", _("drain code")),
        Attribute("kind", _("kind"), choices=tuple(choices.DrainKind.choices)),
    ),
    style={
        "type": "line",
        "paint": {
            "line-color": _match("kind", {"open": "#3a86ff", "covered": "#8338ec"}),
            "line-width": 1.5,
            "line-dasharray": [2, 1],
        },
    },
    min_zoom=13,
    full_detail_zoom=15,
    search_fields=("code",),
    count_by=("kind",),
    order=55,
)

WATERBODIES = Layer(
    slug="waterbodies",
    title=_("Waterbodies"),
    roles=READERS,
    model=Waterbody,
    geometry="area",
    geometry_type="polygon",
    module=MODULE,
    attributes=(
        Attribute("name_en", _("name (English)")),
        Attribute("name_bn", _("name (Bangla)")),
        Attribute("kind", _("kind"), choices=tuple(choices.WaterbodyKind.choices)),
    ),
    style={
        "type": "fill",
        "paint": {"fill-color": "#a5d8ff", "fill-outline-color": "#4dabf7"},
    },
    min_zoom=10,
    full_detail_zoom=14,
    label_attribute="name_en",
    search_fields=("name_en", "name_bn"),
    count_by=("kind",),
    order=20,
)

WARDS = Layer(
    slug="wards",
    title=_("Wards"),
    roles=READERS,
    model=Ward,
    geometry="boundary",
    geometry_type="polygon",
    module=MODULE,
    attributes=(
        Attribute("number", _("ward number"), type="integer"),
        Attribute("name_en", _("name (English)")),
        Attribute("name_bn", _("name (Bangla)")),
    ),
    style={
        "type": "line",
        "paint": {"line-color": "#6c757d", "line-width": 2, "line-dasharray": [3, 2]},
    },
    min_zoom=8,
    full_detail_zoom=13,
    label_attribute="number",
    search_fields=("name_en", "name_bn"),
    order=90,
)

BOUNDARY = Layer(
    slug="boundaries",
    title=_("Municipal boundary"),
    roles=READERS,
    model=Boundary,
    geometry="outline",
    geometry_type="polygon",
    module=MODULE,
    attributes=(Attribute("ward_count", _("wards"), type="integer"),),
    style={"type": "line", "paint": {"line-color": "#343a40", "line-width": 3}},
    min_zoom=0,
    full_detail_zoom=12,
    order=95,
)

for _layer in (BUILDINGS, ROADS, DRAINS, WATERBODIES, WARDS, BOUNDARY):
    layer_register(_layer)


# --- tile cache upkeep ---------------------------------------------------------

_CHANGES = {
    Building: ("buildings",),
    BuildingHolding: ("buildings",),
    HoldingOwner: ("buildings",),
    Owner: ("buildings",),
    Holding: ("buildings",),
    Road: ("roads",),
    Drain: ("drains",),
    Waterbody: ("waterbodies",),
    Ward: ("wards", "boundaries", "buildings"),  # buildings carry the ward number
}


# What an import of each kind (ImportJob.kind) changes on the map.
IMPORT_KIND_LAYERS = {
    "buildings": ("buildings",),
    "roads": ("roads",),
    "drains": ("drains",),
    "waterbodies": ("waterbodies",),
    "wards": ("wards", "boundaries", "buildings"),
    "holdings": ("buildings",),
}


def layers_changed_by_import(kind: str) -> None:
    """For the importer, whose bulk writes bypass ``save()``: call it when a
    job is done (inside its transaction or after; either retires the tiles)."""
    for slug in IMPORT_KIND_LAYERS.get(kind, LAYER_SLUGS):
        layer_changed(slug)


def _changed(sender, **kwargs) -> None:
    for slug in _CHANGES.get(sender, ()):
        layer_changed(slug)


def _m2m_changed(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        layer_changed("buildings")


for _model in _CHANGES:
    post_save.connect(_changed, sender=_model, dispatch_uid=f"maps-tiles-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"maps-tiles-{_model.__name__}-del")
for _through in (Holding.buildings.through, Holding.owners.through):
    m2m_changed.connect(_m2m_changed, sender=_through, dispatch_uid=f"maps-tiles-{_through}")

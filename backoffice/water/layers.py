"""Water map layer: connections as points ("water_meters"), with category,
pipe size, metered or flat rate, and status.  Loaded by maps at start-up;
a connection saved or deleted retires the layer's cached tiles (cache
upkeep only, as FSM's layers do)."""

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from backoffice.water.models import Connection
from maps.cache import layer_changed
from maps.registry import Attribute, Layer, Theme, layer_register

MODULE = "water"
LAYER_SLUG = "water_meters"
READERS = ("water_officer", "municipal_admin", "gis_officer", "viewer")

_CATEGORY = "(SELECT c.code FROM water_tariffcategory c WHERE c.id = t.category_id)"
_HOLDING = "(SELECT h.code FROM registry_holding h WHERE h.id = t.holding_id)"

METERED_GROUPS = (
    ("true", _("Metered"), "#1d6fa5"),
    ("false", _("Flat rate"), "#f4a261"),
)

WATER_METERS = Layer(
    slug=LAYER_SLUG,
    title=_("Water connections"),
    roles=READERS,
    model=Connection,
    geometry="location",
    geometry_type="point",
    module=MODULE,
    attributes=(
        Attribute("number", _("connection number")),
        Attribute("category", _("tariff category"), sql=_CATEGORY),
        Attribute("size_mm", _("pipe size (mm)"), type="integer"),
        Attribute("metered", _("metered"), type="boolean"),
        Attribute("status", _("status"), choices=tuple(Connection.Status.choices)),
        Attribute("holding", _("holding"), sql=_HOLDING, tiles=False),
        Attribute("connected_on", _("connected on"), type="date", sql='t."connected_on"::text'),
    ),
    style={
        "type": "circle",
        "paint": {
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 2, 18, 6],
            "circle-color": "#1d6fa5",
            "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 1,
        },
    },
    themes=(
        Theme(
            "metered",
            _("Metered or flat rate"),
            "metered",
            {
                "paint": {
                    "circle-color": [
                        "case",
                        ["==", ["get", "metered"], True],
                        METERED_GROUPS[0][2],
                        METERED_GROUPS[1][2],
                    ]
                }
            },
            METERED_GROUPS,
        ),
    ),
    min_zoom=14,
    full_detail_zoom=16,
    detail_url="/staff/water/connections/{number}/",
    label_attribute="number",
    search_fields=("number", "holding"),
    sum_fields=("size_mm",),
    count_by=("category", "status"),
    order=75,
)

layer_register(WATER_METERS)


def _changed(sender, **kwargs) -> None:
    layer_changed(LAYER_SLUG)


post_save.connect(_changed, sender=Connection, dispatch_uid="maps-tiles-water-connection-save")
post_delete.connect(_changed, sender=Connection, dispatch_uid="maps-tiles-water-connection-del")

"""FSM map layers: containments (by type, and the emptying-due theme) and
treatment plants.  Loaded by maps at start-up; edits one row at a time retire
the cached tiles through the signals below (cache upkeep only)."""

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import workflow
from backoffice.fsm.models import Containment, ContainmentBuilding, TreatmentPlant
from maps.cache import layer_changed
from maps.registry import Attribute, Layer, Theme, layer_register

MODULE = "fsm"
LAYER_SLUGS = ("containments", "treatment_plants")

OFFICE = (workflow.MANAGER, workflow.ADMIN)
CONTAINMENT_READERS = (*OFFICE, workflow.PROVIDER, "viewer", "gis_officer")
PLANT_READERS = (*OFFICE, workflow.PROVIDER, workflow.CARETAKER, "viewer", "gis_officer")

_TYPE = "(SELECT ct.code FROM fsm_containmenttype ct WHERE ct.id = t.containment_type_id)"
_TYPE_NAME = (
    "(SELECT ct.name_{lang} FROM fsm_containmenttype ct WHERE ct.id = t.containment_type_id)"
)
_BUILDING = (
    "(SELECT b.bin FROM fsm_containmentbuilding cb JOIN registry_building b"
    " ON b.id = cb.building_id WHERE cb.containment_id = t.id ORDER BY cb.responsible DESC,"
    " b.bin LIMIT 1)"
)
# Days until the next emptying is due (negative: overdue; null: not known),
# counted from the municipality's own date.
_DUE_IN_DAYS = "(t.next_due_on - {today})"
# The emptying-due theme's bands as a value to filter and summarise by.
_DUE_STATUS = (
    "(CASE WHEN t.next_due_on IS NULL THEN 'unknown'"
    " WHEN t.next_due_on < {today} THEN 'overdue'"
    " WHEN t.next_due_on <= {today} + 30 THEN 'due_30' ELSE 'later' END)"
)

TYPE_GROUPS = (
    ("septic", _("Septic tank"), "#7b2cbf"),
    ("lined_pit", _("Lined pit"), "#e76f51"),
    ("other", _("Other containment"), "#2a9d8f"),
)
DUE_BANDS = (
    ("overdue", _("Emptying overdue"), "#d00000"),
    ("due_30", _("Due within 30 days"), "#f48c06"),
    ("later", _("Due later"), "#38b000"),
    ("unknown", _("Due date not known"), "#adb5bd"),
)

CONTAINMENTS = Layer(
    slug="containments",
    title=_("Containments"),
    roles=CONTAINMENT_READERS,
    model=Containment,
    geometry="location",
    geometry_type="point",
    module=MODULE,
    attributes=(
        Attribute("code", _("containment ID")),
        Attribute("type", _("type"), sql=_TYPE),
        Attribute(
            "type_name_en", _("type (English)"), sql=_TYPE_NAME.format(lang="en"), tiles=False
        ),
        Attribute(
            "type_name_bn", _("type (Bangla)"), sql=_TYPE_NAME.format(lang="bn"), tiles=False
        ),
        Attribute("volume_m3", _("volume (m³)"), type="number", sql='t."volume_m3"::float8'),
        Attribute(
            "last_emptied_on", _("last emptied"), type="date", sql='t."last_emptied_on"::text'
        ),
        Attribute("next_due_on", _("next emptying due"), type="date", sql='t."next_due_on"::text'),
        Attribute("due_in_days", _("days until emptying is due"), type="integer", sql=_DUE_IN_DAYS),
        Attribute(
            "emptying_status",
            _("emptying"),
            sql=_DUE_STATUS,
            tiles=False,
            choices=tuple((value, label) for value, label, _colour in DUE_BANDS),
        ),
        Attribute("times_emptied", _("times emptied"), type="integer", tiles=False),
        Attribute("households_served", _("households served"), type="integer", tiles=False),
        Attribute("population_served", _("population served"), type="integer", tiles=False),
        Attribute("building", _("building"), sql=_BUILDING, tiles=False),
    ),
    style={
        "type": "circle",
        "paint": {
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 2, 18, 6],
            "circle-color": "#7b2cbf",
            "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 1,
        },
    },
    themes=(
        Theme(
            "type",
            _("Containments by type"),
            "type",
            {
                "paint": {
                    "circle-color": [
                        "case",
                        ["==", ["slice", ["get", "type"], 0, 6], "septic"],
                        TYPE_GROUPS[0][2],
                        ["==", ["slice", ["get", "type"], 0, 9], "lined_pit"],
                        TYPE_GROUPS[1][2],
                        TYPE_GROUPS[2][2],
                    ]
                }
            },
            TYPE_GROUPS,
        ),
        Theme(
            "emptying_due",
            _("Emptying due"),
            "due_in_days",
            {
                "paint": {
                    "circle-color": [
                        "case",
                        ["!", ["has", "due_in_days"]],
                        DUE_BANDS[3][2],
                        ["<", ["get", "due_in_days"], 0],
                        DUE_BANDS[0][2],
                        ["<=", ["get", "due_in_days"], 30],
                        DUE_BANDS[1][2],
                        DUE_BANDS[2][2],
                    ]
                }
            },
            DUE_BANDS,
        ),
    ),
    min_zoom=14,
    full_detail_zoom=16,
    detail_url="/staff/fsm/containments/{code}/",
    label_attribute="code",
    search_fields=("code", "building"),
    sum_fields=("households_served", "population_served", "volume_m3"),
    count_by=("type", "emptying_status"),
    where="t.location IS NOT NULL",
    daily=True,
    order=70,
)

TREATMENT_PLANTS = Layer(
    slug="treatment_plants",
    title=_("Treatment plants"),
    roles=PLANT_READERS,
    model=TreatmentPlant,
    geometry="location",
    geometry_type="point",
    module=MODULE,
    attributes=(
        Attribute("name", _("name")),
        Attribute("kind", _("type"), choices=tuple(TreatmentPlant.Kind.choices)),
        Attribute(
            "capacity_m3_per_day",
            _("capacity (m³ per day)"),
            type="number",
            sql='t."capacity_m3_per_day"::float8',
        ),
        Attribute("status", _("status")),
    ),
    style={
        "type": "circle",
        "paint": {
            "circle-radius": 8,
            "circle-color": "#6a4c93",
            "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 2,
        },
    },
    min_zoom=8,
    full_detail_zoom=12,
    detail_url="/staff/fsm/plants/{id}/",
    label_attribute="name",
    search_fields=("name",),
    sum_fields=("capacity_m3_per_day",),
    count_by=("kind",),
    order=80,
)

layer_register(CONTAINMENTS)
layer_register(TREATMENT_PLANTS)

_CHANGES = {
    Containment: ("containments",),
    ContainmentBuilding: ("containments",),
    TreatmentPlant: ("treatment_plants",),
}


def _changed(sender, **kwargs) -> None:
    for slug in _CHANGES.get(sender, ()):
        layer_changed(slug)


for _model in _CHANGES:
    post_save.connect(_changed, sender=_model, dispatch_uid=f"maps-tiles-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"maps-tiles-{_model.__name__}-del")

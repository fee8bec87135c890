"""Change records made readable: field labels in the page's language,
choice labels, ward and road names, footprint areas instead of WKT, owners'
names instead of ids.  A fixed number of queries whatever the history."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.registry.forms import ward_label
from backoffice.registry.models import Building, ChangeRecord, Holding, Owner, Ward
from backoffice.registry.views.svgmap import wkt_area_m2

MODELS: dict[str, type[models.Model]] = {"building": Building, "holding": Holding, "owner": Owner}
# Links recorded by relation_record: field -> (label, model the ids or keys name)
RELATIONS = {
    "buildings": (gettext_lazy("Buildings"), None),  # recorded as BINs
    "owners": (gettext_lazy("Owners"), Owner),  # recorded as owner ids
}
# What an import's one record says besides the job (writers.import_record_sql).
IMPORT_LABELS = {"file": gettext_lazy("File"), "rows": gettext_lazy("Rows imported")}
HISTORY_PREVIEW = 10
HISTORY_LIMIT = 200


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    record: ChangeRecord
    changes: list[Change] = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.record.action

    @property
    def action_label(self) -> str:
        return self.record.get_action_display()


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _geometry_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, GeometryField)]


def _area_text(wkt) -> str:
    area = wkt_area_m2(wkt)
    if area is None:
        return "—"
    return _("%(area)s m²") % {"area": number_format(round(area, 1), decimal_pos=1)}


def _text(model_field, value, resolved) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(model_field, GeometryField):
        return _area_text(value)
    if model_field is not None and model_field.is_relation and model_field.many_to_one:
        obj = resolved.get(model_field.related_model, {}).get(value)
        if obj is None:
            return f"#{value}"
        return ward_label(obj) if isinstance(obj, Ward) else str(obj)
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _relation_text(related, values, resolved) -> str:
    if not values:
        return "—"
    if related is None:
        return ", ".join(str(v) for v in values)
    objects = resolved.get(related, {})
    return ", ".join(str(objects.get(v, f"#{v}")) for v in values)


def history_entries(records) -> list[Entry]:
    records = list(records)
    wanted: dict[type, set] = defaultdict(set)
    for record in records:
        model = MODELS.get(record.model)
        for name, pair in record.changes.items():
            if name in RELATIONS and RELATIONS[name][1] is not None:
                for values in pair:
                    wanted[RELATIONS[name][1]].update(values or [])
                continue
            model_field = _model_field(model, name) if model else None
            if model_field is not None and model_field.is_relation and model_field.many_to_one:
                wanted[model_field.related_model].update(v for v in pair if v is not None)
    resolved = {
        related: related.objects.defer(*_geometry_fields(related)).in_bulk(list(ids))
        for related, ids in wanted.items()
    }

    entries = []
    for record in records:
        model = MODELS.get(record.model)
        entry = Entry(record=record)
        for name, pair in sorted(record.changes.items()):
            before, after = (list(pair) + [None, None])[:2]
            if name in RELATIONS:
                label, related = RELATIONS[name]
                entry.changes.append(
                    Change(
                        label=str(label),
                        before=_relation_text(related, before, resolved),
                        after=_relation_text(related, after, resolved),
                    )
                )
                continue
            model_field = _model_field(model, name) if model else None
            label = (
                capfirst(model_field.verbose_name)
                if model_field is not None
                else IMPORT_LABELS.get(name, name)
            )
            entry.changes.append(
                Change(
                    label=str(label),
                    before=_text(model_field, before, resolved),
                    after=_text(model_field, after, resolved),
                )
            )
        entries.append(entry)
    return entries

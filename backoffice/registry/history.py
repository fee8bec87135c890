"""Change history for buildings, holdings and owners (who, when, what)."""

from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import models

from backoffice.registry.models import ChangeRecord

TRACKED_EXCLUDE = {"id", "created_at", "updated_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, GEOSGeometry):
        return value.wkt
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in TRACKED_EXCLUDE:
            continue
        data[field.name] = _plain(getattr(instance, field.attname))
    return data


def change_record(
    *, actor, instance: models.Model, action: str, before: dict | None = None
) -> ChangeRecord | None:
    after = snapshot(instance) if action != ChangeRecord.Action.DELETE else {}
    if action == ChangeRecord.Action.UPDATE:
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if not changes:
            return None
    elif action == ChangeRecord.Action.CREATE:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "")}
    else:
        changes = {k: [v, None] for k, v in (before or {}).items()}
    return ChangeRecord.objects.create(
        model=instance._meta.model_name,
        object_id=instance.pk,
        action=action,
        changes=changes,
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
    )


def relation_record(*, actor, instance: models.Model, field: str, before, after) -> None:
    """A change to a link (buildings of a holding, owners of a holding)."""
    if before == after:
        return
    ChangeRecord.objects.create(
        model=instance._meta.model_name,
        object_id=instance.pk,
        action=ChangeRecord.Action.UPDATE,
        changes={field: [before, after]},
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
    )

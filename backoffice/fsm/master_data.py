"""FSM master data, written by the office's management pages: providers,
their members, employees and vehicles, treatment plants and effluent
tests, standards, containments, fee slabs.  Every write is validated and
audited.

Nothing a job refers to is ever deleted here: providers, employees,
vehicles and plants are switched to a non-active status instead.  Only
provider memberships and fee slabs (which no job references) are removed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from backoffice.fsm.models import (
    Containment,
    ContainmentBuilding,
    Employee,
    FeeSlab,
    ProviderMember,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from backoffice.fsm.services import (
    FEE_SLAB_FIELDS,
    _user_id,
    containment_next_due,
    plant_caretaker_set,
)
from tenants.audit.services import audit_event_record

PROVIDER_FIELDS = ("name", "licence_number", "contact_person", "phone", "email", "status")
EMPLOYEE_FIELDS = ("name", "role", "phone", "licence_number", "trained_on", "status")
VEHICLE_FIELDS = ("plate", "capacity_m3", "width_m", "status")
PLANT_FIELDS = ("name", "kind", "location", "capacity_m3_per_day", "status")
EFFLUENT_FIELDS = ("sampled_on", "ph", "bod", "cod", "tss", "ecoli")
CONTAINMENT_FIELDS = (
    "containment_type",
    "size",
    "length_m",
    "width_m",
    "depth_m",
    "volume_m3",
    "constructed_on",
    "location",
    "households_served",
    "population_served",
    "toilets",
    "well_distance_m",
    "emptying_frequency_years",
)


def _fields_check(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These fields cannot be set by this action: %(fields)s"),
            params={"fields": ", ".join(unknown)},
        )


def _plain(value):
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def _changes(obj, fields: dict) -> dict:
    """Set ``fields`` on ``obj``; return {name: [before, after]} for what changed."""
    changed = {}
    for name, value in fields.items():
        before = getattr(obj, name)
        if before != value:
            changed[name] = [_plain(before), _plain(value)]
        setattr(obj, name, value)
    return changed


@transaction.atomic
def provider_save(
    *, actor, provider: ServiceProvider | None = None, wards=None, **fields
) -> ServiceProvider:
    """Create (``provider`` None) or change a service provider; ``wards``
    (an iterable of registry Wards, None: unchanged) are the wards served."""
    _fields_check(fields, PROVIDER_FIELDS)
    created = provider is None
    provider = provider or ServiceProvider()
    changed = _changes(provider, fields)
    provider.full_clean()
    provider.save()
    if wards is not None:
        before = sorted(provider.wards.values_list("number", flat=True))
        provider.wards.set(list(wards))
        after = sorted(provider.wards.values_list("number", flat=True))
        if before != after:
            changed["wards"] = [before, after]
    audit_event_record(
        actor=actor,
        action="fsm.provider.create" if created else "fsm.provider.update",
        obj=provider,
        data={"name": provider.name, "changes": changed},
    )
    return provider


@transaction.atomic
def provider_member_remove(*, actor, provider: ServiceProvider, user_id: int) -> None:
    """Unlink a user from the provider (they no longer see its jobs)."""
    deleted, _rows = ProviderMember.objects.filter(provider=provider, user_id=user_id).delete()
    if not deleted:
        raise ValidationError(_("This user does not work for this provider."))
    audit_event_record(
        actor=actor,
        action="fsm.provider.member_remove",
        obj=provider,
        data={"user_id": user_id},
    )


def _provider_item_save(
    *, actor, provider: ServiceProvider, item, allowed, other_provider: str, label: str, fields
):
    """Create or edit a provider's employee or vehicle (audited)."""
    _fields_check(fields, allowed)
    created = item.pk is None
    if item.provider_id != provider.pk:
        raise ValidationError(other_provider)
    changed = _changes(item, fields)
    item.full_clean()
    item.save()
    kind = item._meta.model_name
    audit_event_record(
        actor=actor,
        action=f"fsm.{kind}.create" if created else f"fsm.{kind}.update",
        obj=item,
        data={"provider_id": provider.pk, label: getattr(item, label), "changes": changed},
    )
    return item


@transaction.atomic
def employee_save(
    *, actor, provider: ServiceProvider, employee: Employee | None = None, **fields
) -> Employee:
    return _provider_item_save(
        actor=actor,
        provider=provider,
        item=employee or Employee(provider=provider),
        allowed=EMPLOYEE_FIELDS,
        other_provider=_("This employee works for another provider."),
        label="name",
        fields=fields,
    )


@transaction.atomic
def vehicle_save(
    *, actor, provider: ServiceProvider, vehicle: Vehicle | None = None, **fields
) -> Vehicle:
    return _provider_item_save(
        actor=actor,
        provider=provider,
        item=vehicle or Vehicle(provider=provider),
        allowed=VEHICLE_FIELDS,
        other_provider=_("This vehicle belongs to another provider."),
        label="plate",
        fields=fields,
    )


_KEEP = object()


@transaction.atomic
def plant_save(
    *, actor, plant: TreatmentPlant | None = None, caretaker=_KEEP, **fields
) -> TreatmentPlant:
    """Create or change a treatment plant; ``caretaker`` (a user with the
    caretaker role, or None) goes through ``plant_caretaker_set``."""
    _fields_check(fields, PLANT_FIELDS)
    created = plant is None
    plant = plant or TreatmentPlant()
    changed = _changes(plant, fields)
    plant.full_clean()
    plant.save()
    audit_event_record(
        actor=actor,
        action="fsm.plant.create" if created else "fsm.plant.update",
        obj=plant,
        data={"name": plant.name, "changes": changed},
    )
    if caretaker is not _KEEP and _user_id(caretaker) != plant.caretaker_id:
        plant = plant_caretaker_set(actor=actor, plant=plant, user=caretaker)
    return plant


@transaction.atomic
def effluent_test_record(*, actor, plant: TreatmentPlant, **fields):
    """One effluent sample's results; returns the test and the parameters
    outside this municipality's standards."""
    from backoffice.fsm.models import EffluentTest

    _fields_check(fields, EFFLUENT_FIELDS)
    test = EffluentTest(plant=plant, **fields)
    test.full_clean()
    test.save()
    failures = test.failures()
    audit_event_record(
        actor=actor,
        action="fsm.effluent_test.create",
        obj=test,
        data={
            "plant_id": plant.pk,
            **{name: _plain(getattr(test, name)) for name in EFFLUENT_FIELDS},
            "failures": failures,
        },
    )
    return test, failures


@transaction.atomic
def effluent_standard_set(*, actor, parameter: str, minimum=None, maximum=None):
    """Set the limits for one effluent parameter (both None: no limit)."""
    from backoffice.fsm.models import EffluentStandard

    if parameter not in EffluentStandard.Parameter.values:
        raise ValidationError({"parameter": _("Unknown effluent parameter.")})
    if minimum is not None and maximum is not None and maximum < minimum:
        raise ValidationError({"maximum": _("The maximum must not be below the minimum.")})
    standard, _created = EffluentStandard.objects.select_for_update().get_or_create(
        parameter=parameter
    )
    before = [_plain(standard.minimum), _plain(standard.maximum)]
    if (standard.minimum, standard.maximum) == (minimum, maximum):
        return standard  # unchanged: nothing to record
    standard.minimum, standard.maximum = minimum, maximum
    standard.full_clean()
    standard.save()
    audit_event_record(
        actor=actor,
        action="fsm.effluent_standard.update",
        obj=standard,
        data={"parameter": parameter, "from": before, "to": [_plain(minimum), _plain(maximum)]},
    )
    return standard


@transaction.atomic
def containment_update(
    *, actor, containment: Containment, buildings=None, responsible_building=None, **fields
) -> Containment:
    """Change a containment's facts; the next due date is recomputed.
    ``buildings`` (None: unchanged) replaces the buildings served, with
    ``responsible_building`` (one of them, default the first) responsible."""
    _fields_check(fields, CONTAINMENT_FIELDS)
    containment = Containment.objects.select_for_update().get(pk=containment.pk)
    changed = _changes(containment, fields)
    containment.next_due_on = containment_next_due(containment)
    containment.full_clean()
    containment.save()
    if buildings is not None:
        buildings = list(buildings)
        if responsible_building is not None and responsible_building not in buildings:
            buildings.insert(0, responsible_building)
        responsible_building = responsible_building or (buildings[0] if buildings else None)
        before = sorted(containment.buildings.values_list("bin", flat=True))
        ContainmentBuilding.objects.filter(containment=containment).delete()
        for building in buildings:
            ContainmentBuilding.objects.create(
                containment=containment,
                building=building,
                responsible=building == responsible_building,
            )
        after = sorted(b.bin for b in buildings)
        if before != after:
            changed["buildings"] = [before, after]
    audit_event_record(
        actor=actor,
        action="fsm.containment.update",
        obj=containment,
        data={"code": containment.code, "changes": changed},
    )
    return containment


@transaction.atomic
def fee_slab_delete(*, actor, slab: FeeSlab) -> None:
    """Remove a row of the fee table (jobs keep the fee they were given)."""
    data = {name: str(getattr(slab, name)) for name in FEE_SLAB_FIELDS}
    pk = slab.pk
    slab.delete()
    slab.pk = pk
    audit_event_record(actor=actor, action="fsm.fee_slab.delete", obj=slab, data=data)

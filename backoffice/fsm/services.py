"""FSM writes: containments and the emptying workflow.

Every workflow step goes through ``application_transition``: atomic, checked
against ``workflow.TABLE`` for the actor's role, timestamped and audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import workflow
from backoffice.fsm.models import (
    APPLICATION_SEQUENCE,
    CONTAINMENT_SEQUENCE,
    Containment,
    ContainmentBuilding,
    EmptyingApplication,
    FsmConfig,
)
from backoffice.registry.codes import bin_format
from backoffice.registry.services import registry_config_get
from tenants.audit.services import audit_event_record
from tenants.permissions import user_roles

# Fields each action may set on the application, beyond state and timestamps.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    workflow.SUBMIT: ("holding", "building", "containment", "applicant_name", "applicant_phone"),
    workflow.RESUBMIT: ("holding", "building", "containment", "applicant_name", "applicant_phone"),
    workflow.SEND_BACK: ("reason",),
    workflow.ASSESS: ("containment", "estimated_volume_m3", "fee"),
    workflow.SETTLE_FEE: ("fee",),
    workflow.SCHEDULE: ("provider", "vehicle", "scheduled_for"),
    workflow.REASSIGN: ("provider", "vehicle", "scheduled_for"),
    workflow.DECLINE: ("reason",),
    workflow.EMPTY: ("emptied_volume_m3",),
    workflow.DISPOSE: ("plant", "disposed_volume_m3"),
    workflow.FEEDBACK: ("satisfaction", "crew_wore_ppe", "comments"),
    workflow.REJECT: ("reason",),
    workflow.CANCEL: ("reason",),
}
REASON_REQUIRED = frozenset({workflow.REJECT, workflow.SEND_BACK, workflow.DECLINE})


def fsm_config_get() -> FsmConfig:
    """This municipality's FSM settings; the first call derives the ID prefixes
    from the BIN prefix (KHU- gives KHU-C for containments, KHU-E for jobs)."""
    config = FsmConfig.objects.first()
    if config is None:
        base = registry_config_get().bin_prefix
        config = FsmConfig.objects.create(
            containment_prefix=f"{base}C"[:10], application_prefix=f"{base}E"[:10]
        )
    return config


def _nextval(sequence: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        (number,) = cursor.fetchone()
    return number


def containment_code_allocate(*, config: FsmConfig | None = None) -> str:
    """The next containment ID from this municipality's sequence (never max()+1)."""
    config = config or fsm_config_get()
    return bin_format(
        prefix=config.containment_prefix,
        digits=config.containment_digits,
        number=_nextval(CONTAINMENT_SEQUENCE),
    )


def application_reference_allocate(*, config: FsmConfig | None = None) -> str:
    config = config or fsm_config_get()
    year = timezone.localdate().year
    return f"{config.application_prefix}{year}-{_nextval(APPLICATION_SEQUENCE):06d}"


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def containment_next_due(containment: Containment, *, config: FsmConfig | None = None):
    """Last emptied (or construction) date plus the emptying frequency."""
    start = containment.last_emptied_on or containment.constructed_on
    if start is None:
        return None
    years = (
        containment.emptying_frequency_years or (config or fsm_config_get()).default_emptying_years
    )
    return _add_years(start, years)


@transaction.atomic
def containment_create(*, actor, buildings=(), responsible_building=None, **fields) -> Containment:
    containment = Containment(code=containment_code_allocate(), **fields)
    containment.next_due_on = containment_next_due(containment)
    containment.full_clean()
    containment.save()
    buildings = list(buildings)
    if responsible_building is not None and responsible_building not in buildings:
        buildings.insert(0, responsible_building)
    for building in buildings:
        ContainmentBuilding.objects.create(
            containment=containment,
            building=building,
            responsible=building == responsible_building,
        )
    audit_event_record(
        actor=actor,
        action="fsm.containment.create",
        obj=containment,
        data={"code": containment.code, "buildings": [b.bin for b in buildings]},
    )
    return containment


@transaction.atomic
def containment_emptied(*, containment: Containment, on: datetime.date) -> Containment:
    containment = Containment.objects.select_for_update().get(pk=containment.pk)
    containment.last_emptied_on = on
    containment.times_emptied += 1
    containment.next_due_on = containment_next_due(containment)
    containment.save(update_fields=["last_emptied_on", "times_emptied", "next_due_on"])
    return containment


def _set_fields(application: EmptyingApplication, action: str, data: dict) -> None:
    allowed = ACTION_FIELDS[action]
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These fields cannot be set by this action: %(fields)s"),
            params={"fields": ", ".join(unknown)},
        )
    for name, value in data.items():
        setattr(application, name, value)
    if action in REASON_REQUIRED and not application.reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})


def _role_check(actor, role: str, state: str, action: str) -> str:
    """The table decides for the role; staff must also hold it."""
    target = workflow.transition(state, action, role)
    if role != workflow.CITIZEN and role not in user_roles(actor):
        raise workflow.TransitionError(state, action, role, "the actor does not hold this role")
    return target


@transaction.atomic
def application_submit(*, actor, role: str, **data) -> EmptyingApplication:
    """A new application (citizen online, or staff for phone and walk-in)."""
    _role_check(actor, role, workflow.INITIAL, workflow.SUBMIT)
    now = timezone.now()
    application = EmptyingApplication(reference=application_reference_allocate())
    _set_fields(application, workflow.SUBMIT, data)
    application.state = workflow.SUBMITTED
    application.submitted_at = application.state_changed_at = now
    application.created_by_id = getattr(actor, "pk", None)
    application.full_clean()
    application.save()
    audit_event_record(
        actor=actor,
        action="fsm.application.submit",
        obj=application,
        data={"reference": application.reference, "role": role},
    )
    return application


@transaction.atomic
def application_transition(
    *, actor, role: str, application: EmptyingApplication, action: str, **data
) -> EmptyingApplication:
    """Take ``action`` as ``role``; raises workflow.TransitionError when refused."""
    application = EmptyingApplication.objects.select_for_update().get(pk=application.pk)
    before = application.state
    target = _role_check(actor, role, before, action)
    _set_fields(application, action, data)
    now = timezone.now()
    application.state = target
    application.state_changed_at = now
    setattr(application, f"{target}_at", now)
    application.full_clean()
    application.save()
    if action == workflow.EMPTY and application.containment_id:
        containment_emptied(containment=application.containment, on=timezone.localdate(now))
    audit_event_record(
        actor=actor,
        action=f"fsm.application.{action}",
        obj=application,
        data={"from": before, "to": target, "role": role},
    )
    return application

"""FSM writes: containments and the emptying workflow.

Every workflow step goes through ``application_transition``: atomic, checked
against ``workflow.TABLE`` for the actor's role, timestamped and audited."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import workflow
from backoffice.fsm.models import (
    APPLICATION_SEQUENCE,
    CONTAINMENT_SEQUENCE,
    AssignmentHistory,
    Channel,
    Containment,
    ContainmentBuilding,
    Employee,
    EmptyingApplication,
    EmptyingPhoto,
    FeeMode,
    FeeSlab,
    FsmConfig,
    ProviderMember,
    ServiceProvider,
    Status,
    TreatmentPlant,
    Vehicle,
)
from backoffice.fsm.sla import municipality_today
from backoffice.notifications.fsm import application_status_sms_queue
from backoffice.registry.codes import bin_format, phone_normalise
from backoffice.registry.services import registry_config_get
from tenants.audit.services import audit_event_record
from tenants.permissions import user_roles

# Fields each action may set on the application, beyond state and timestamps.
# "crew" (employees) and "photos" ((kind, file) pairs) are handled apart.
_INTAKE = (
    "holding",
    "building",
    "containment",
    "location",
    "address",
    "ward",
    "applicant_name",
    "applicant_phone",
    "applied_by_channel",
)
_ASSIGN = ("provider", "vehicle", "scheduled_for", "crew", "plant", "reason")
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    workflow.SUBMIT: _INTAKE,
    workflow.RESUBMIT: _INTAKE,
    workflow.SEND_BACK: ("reason",),
    workflow.ASSESS: (
        "containment",
        "site_visit_on",
        "containment_confirmed",
        "containment_registered",
        "access_notes",
        "road_width_ok",
        "vehicle_needed",
        "vehicle_capacity_needed_m3",
        "trips_estimated",
        "estimated_volume_m3",
        "estimated_fee",
        "plan",
    ),
    workflow.SETTLE_FEE: ("fee_mode", "fee", "fee_receipt_number"),
    workflow.SCHEDULE: _ASSIGN,
    workflow.REASSIGN: _ASSIGN,
    workflow.DECLINE: ("reason",),
    workflow.EMPTY: (
        "emptied_volume_m3",
        "trips",
        "emptying_started_at",
        "emptying_ended_at",
        "emptying_cost",
        "emptying_receipt_number",
        "plant",
        "photos",
    ),
    workflow.DISPOSE: ("plant", "disposed_volume_m3", "disposal_vehicle", "arrived_at"),
    workflow.FEEDBACK: ("satisfaction", "crew_wore_ppe", "comments"),
    workflow.REJECT: ("reason",),
    workflow.CANCEL: ("reason",),
}


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
    year = municipality_today().year
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


# What the audit trail keeps of each step, beyond from/to/role.
AUDIT_FIELDS: dict[str, tuple[str, ...]] = {
    workflow.SEND_BACK: ("reason",),
    workflow.REJECT: ("reason",),
    workflow.CANCEL: ("reason",),
    workflow.DECLINE: ("provider_id", "reason"),
    workflow.ASSESS: ("containment_id", "estimated_volume_m3", "estimated_fee"),
    workflow.SETTLE_FEE: ("fee_mode", "fee", "fee_receipt_number"),
    workflow.SCHEDULE: ("provider_id", "vehicle_id", "scheduled_for", "plant_id"),
    workflow.REASSIGN: ("provider_id", "vehicle_id", "scheduled_for", "plant_id", "reason"),
    workflow.EMPTY: ("emptied_volume_m3", "trips", "emptying_cost", "plant_id"),
    workflow.DISPOSE: ("plant_id", "disposed_volume_m3", "disposal_vehicle_id"),
    workflow.FEEDBACK: ("satisfaction", "crew_wore_ppe"),
}


def _audit_data(application: EmptyingApplication, action: str) -> dict:
    data = {}
    for name in AUDIT_FIELDS.get(action, ()):
        value = getattr(application, name)
        data[name] = value if value is None or isinstance(value, bool | int | str) else str(value)
    return data


REASON_REQUIRED = frozenset({workflow.REJECT, workflow.SEND_BACK, workflow.DECLINE})
ASSIGNMENT_ACTIONS = frozenset({workflow.SCHEDULE, workflow.REASSIGN, workflow.DECLINE})


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
        raise workflow.TransitionError(state, action, role, workflow.ROLE_NOT_HELD)
    return target


def provider_for_user(user) -> ServiceProvider | None:
    """The service provider a staff user works for (None: none)."""
    if getattr(user, "pk", None) is None:
        return None
    member = ProviderMember.objects.select_related("provider").filter(user_id=user.pk).first()
    return member.provider if member else None


def _owner_check(actor, role: str, application: EmptyingApplication, action: str) -> None:
    """Providers act only on their own jobs, caretakers only at their plant."""
    refuse = workflow.TransitionError(application.state, action, role, workflow.NOT_YOURS)
    if role == workflow.PROVIDER:
        if (
            application.provider_id is None
            or not ProviderMember.objects.filter(
                user_id=getattr(actor, "pk", None), provider_id=application.provider_id
            ).exists()
        ):
            raise refuse
    elif role == workflow.CARETAKER:
        plant = application.plant
        if plant is None:
            raise ValidationError({"plant": _("Choose the treatment plant.")})
        actor_id = getattr(actor, "pk", None)
        if (
            actor_id is None
            or not TreatmentPlant.objects.filter(pk=plant.pk, caretaker_id=actor_id).exists()
        ):
            raise refuse


def _user_id(actor):
    return getattr(actor, "pk", None)


def _intake_ward_id(application: EmptyingApplication) -> int | None:
    """The ward the job is in, from what the application names."""
    from backoffice.registry.models import Ward

    if application.building_id is not None:
        return application.building.ward_id
    if application.holding_id is not None:
        return application.holding.ward_id
    if application.location is not None:
        return (
            Ward.objects.filter(boundary__intersects=application.location)
            .order_by("number")
            .values_list("pk", flat=True)
            .first()
        )
    return None


def _check_intake(application: EmptyingApplication, role: str, *, new: bool) -> None:
    """Where the job is and who asked; on submission also the channel."""
    if application.building_id is None and application.holding_id is not None:
        buildings = list(application.holding.buildings.all()[:2])
        if len(buildings) == 1:
            application.building = buildings[0]
    if application.containment_id is None and application.building_id is not None:
        containments = list(application.building.containments.all()[:2])
        if len(containments) == 1:
            application.containment = containments[0]
    if application.ward_id is None:
        application.ward_id = _intake_ward_id(application)
    named_place = application.ward_id is not None and application.address.strip()
    if not (
        application.holding_id or application.building_id or application.location or named_place
    ):
        raise ValidationError(
            _(
                "Give a holding, a building, the location of the containment,"
                " or its ward and address."
            )
        )
    if application.applicant_phone.strip():
        try:
            application.applicant_phone = phone_normalise(application.applicant_phone)
        except ValidationError as error:
            raise ValidationError({"applicant_phone": error.messages}) from error
    elif role == workflow.CITIZEN:
        raise ValidationError({"applicant_phone": _("Give a phone number.")})
    if not new:
        return
    if role == workflow.CITIZEN:
        if application.applied_by_channel != Channel.ONLINE:
            raise ValidationError({"applied_by_channel": _("Citizens apply online.")})
    elif application.applied_by_channel == Channel.ONLINE:
        application.applied_by_channel = Channel.PHONE


def _check_assess(application: EmptyingApplication, actor) -> None:
    application.assessed_by_id = _user_id(actor)
    if application.site_visit_on is None:
        application.site_visit_on = municipality_today()
    if application.estimated_fee is None:
        from backoffice.fsm.fees import fee_estimate

        application.estimated_fee = fee_estimate(
            holding=application.holding,
            building=application.building,
            containment=application.containment,
            volume_m3=application.estimated_volume_m3,
            trips=application.trips_estimated,
        ).amount


def _check_fee(application: EmptyingApplication, actor) -> None:
    mode = application.fee_mode
    if mode not in FeeMode.values:
        raise ValidationError({"fee_mode": _("Choose how the fee is settled.")})
    if mode == FeeMode.WAIVED:
        application.fee = Decimal("0.00")
    elif application.fee is None:
        application.fee = application.estimated_fee
    if mode != FeeMode.WAIVED and application.fee is None:
        raise ValidationError({"fee": _("Give the fee amount.")})
    if mode == FeeMode.PAID and not application.fee_receipt_number.strip():
        raise ValidationError({"fee_receipt_number": _("Give the receipt number.")})
    application.fee_settled_by_id = _user_id(actor)


def _check_assignment(application: EmptyingApplication, crew) -> None:
    provider = application.provider
    if provider is None:
        raise ValidationError({"provider": _("Choose a service provider.")})
    # Read from the database: the objects a form passes may be stale.
    if not ServiceProvider.objects.filter(pk=provider.pk, status=Status.ACTIVE).exists():
        raise ValidationError({"provider": _("This service provider is not active.")})
    if application.scheduled_for is None:
        raise ValidationError({"scheduled_for": _("Give the date of the emptying.")})
    if application.vehicle_id is not None:
        vehicle = Vehicle.objects.filter(pk=application.vehicle_id).first()
        if vehicle is None or vehicle.provider_id != provider.pk:
            raise ValidationError(
                {"vehicle": _("The vehicle belongs to another service provider.")}
            )
        if vehicle.status != Vehicle.Condition.IN_SERVICE:
            raise ValidationError({"vehicle": _("This vehicle is not in service.")})
    if crew and (
        Employee.objects.filter(pk__in=[e.pk for e in crew]).exclude(provider=provider).exists()
    ):
        raise ValidationError({"crew": _("The crew must work for the chosen service provider.")})


def _check_emptying(application: EmptyingApplication, actor) -> None:
    if application.emptied_volume_m3 is None:
        raise ValidationError({"emptied_volume_m3": _("Give the volume emptied.")})
    if application.trips is None:
        application.trips = 1
    started, ended = application.emptying_started_at, application.emptying_ended_at
    if started and ended and ended < started:
        raise ValidationError({"emptying_ended_at": _("The end is before the start.")})
    application.emptied_by_id = _user_id(actor)


def _check_disposal(application: EmptyingApplication, actor, now) -> None:
    if application.disposed_volume_m3 is None:
        raise ValidationError({"disposed_volume_m3": _("Give the volume received.")})
    if application.disposal_vehicle_id is None:
        application.disposal_vehicle_id = application.vehicle_id
    if application.arrived_at is None:
        application.arrived_at = now
    application.disposal_confirmed_by_id = _user_id(actor)
    application.disposed_at = now


def _check_feedback(application: EmptyingApplication, role: str, action: str, now) -> None:
    if application.feedback_at is not None:
        raise workflow.TransitionError(application.state, action, role, workflow.FEEDBACK_GIVEN)
    if application.satisfaction is None:
        raise ValidationError({"satisfaction": _("Give a rating from 1 to 5.")})
    application.feedback_at = now


def _photo_save(application: EmptyingApplication, photos, actor) -> None:
    """Store the photos; if one fails, remove the files already written."""
    written: list[EmptyingPhoto] = []
    try:
        for item in photos or ():
            kind, upload = item if isinstance(item, tuple | list) else (item["kind"], item["image"])
            photo = EmptyingPhoto(
                application=application, kind=kind, uploaded_by_id=_user_id(actor)
            )
            photo.full_clean(exclude=["image"])
            photo.image.save(upload.name, upload, save=False)
            written.append(photo)
            photo.save()
    except Exception:
        for photo in written:
            photo.image.delete(save=False)
        raise


@transaction.atomic
def application_submit(
    *, actor, role: str, channel: str | None = None, **data
) -> EmptyingApplication:
    """A new application: a citizen online (actor None, phone proved by OTP),
    or staff for phone and walk-in (``channel``).  Needs a holding, a building
    or a location; the building and containment follow from the holding when
    there is only one."""
    _role_check(actor, role, workflow.INITIAL, workflow.SUBMIT)
    now = timezone.now()
    application = EmptyingApplication(reference=application_reference_allocate())
    if channel is not None:
        data["applied_by_channel"] = channel
    _set_fields(application, workflow.SUBMIT, data)
    _check_intake(application, role, new=True)
    application.state = workflow.SUBMITTED
    application.submitted_at = application.state_changed_at = now
    application.created_by_id = _user_id(actor)
    application.full_clean()
    application.save()
    audit_event_record(
        actor=actor,
        action="fsm.application.submit",
        obj=application,
        data={
            "reference": application.reference,
            "role": role,
            "channel": application.applied_by_channel,
        },
    )
    return application


@transaction.atomic
def application_transition(
    *,
    actor,
    role: str,
    application: EmptyingApplication,
    action: str,
    expected_state: str | None = None,
    **data,
) -> EmptyingApplication:
    """Take ``action`` as ``role``; raises workflow.TransitionError when refused
    (show ``workflow.refusal_message(error)``) and ValidationError for bad data.

    ``expected_state``: the state the user saw; if the application has moved
    on meanwhile the step is refused (reason ``workflow.CHANGED``)."""
    application = (
        EmptyingApplication.objects.select_for_update(of=("self",))
        .select_related("provider", "plant", "vehicle")
        .get(pk=application.pk)
    )
    before = application.state
    if expected_state is not None and expected_state != before:
        raise workflow.TransitionError(before, action, role, workflow.CHANGED)
    target = _role_check(actor, role, before, action)
    crew = data.pop("crew", None) if "crew" in ACTION_FIELDS[action] else None
    photos = data.pop("photos", None) if "photos" in ACTION_FIELDS[action] else None
    previous_provider_id = application.provider_id
    _set_fields(application, action, data)
    _owner_check(actor, role, application, action)
    now = timezone.now()
    if action in (workflow.SUBMIT, workflow.RESUBMIT):
        _check_intake(application, role, new=False)
    elif action == workflow.ASSESS:
        _check_assess(application, actor)
    elif action == workflow.SETTLE_FEE:
        _check_fee(application, actor)
    elif action in (workflow.SCHEDULE, workflow.REASSIGN):
        _check_assignment(application, crew)
    elif action == workflow.EMPTY:
        _check_emptying(application, actor)
    elif action == workflow.DISPOSE:
        _check_disposal(application, actor, now)
    elif action == workflow.FEEDBACK:
        _check_feedback(application, role, action, now)
    if action != workflow.FEEDBACK:
        application.state = target
        application.state_changed_at = now
        setattr(application, f"{target}_at", now)
    application.full_clean()
    application.save()
    if crew is not None:
        application.crew.set(crew)
    elif action == workflow.REASSIGN and application.provider_id != previous_provider_id:
        application.crew.clear()
    if action in ASSIGNMENT_ACTIONS:
        AssignmentHistory.objects.create(
            application=application,
            provider_id=application.provider_id,
            vehicle_id=application.vehicle_id,
            scheduled_for=application.scheduled_for,
            action=action,
            reason=application.reason if action != workflow.SCHEDULE else "",
            by_id=_user_id(actor),
            at=now,
        )
    if action == workflow.EMPTY and application.containment_id:
        containment_emptied(containment=application.containment, on=municipality_today(now))
    audit_event_record(
        actor=actor,
        action=f"fsm.application.{action}",
        obj=application,
        data={
            "from": before,
            "to": application.state,
            "role": role,
            **_audit_data(application, action),
        },
    )
    if action != workflow.FEEDBACK:
        # The applicant hears of each step by SMS (queued in this transaction,
        # sent by a worker after the commit: a refused step sends nothing).
        application_status_sms_queue(application=application)
    if action == workflow.EMPTY:
        _photo_save(application, photos, actor)  # last: nothing after it can fail
    return application


# --- one function per step, for views (all go through application_transition)


def application_resubmit(
    *, actor, role: str, application, expected_state: str | None = None, **data
) -> EmptyingApplication:
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.RESUBMIT,
        expected_state=expected_state,
        **data,
    )


def application_send_back(
    *, actor, role: str, application, expected_state: str | None = None, reason: str
):
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.SEND_BACK,
        expected_state=expected_state,
        reason=reason,
    )


def application_reject(
    *, actor, role: str, application, expected_state: str | None = None, reason: str
):
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.REJECT,
        expected_state=expected_state,
        reason=reason,
    )


@transaction.atomic
def application_assess(
    *,
    actor,
    role: str,
    application,
    expected_state: str | None = None,
    register_containment: dict | None = None,
    **data,
) -> EmptyingApplication:
    """Record the site visit.  ``register_containment`` (fields for
    ``containment_create``) registers a containment found on site, served by
    the application's building.  Without ``estimated_fee`` the fee table
    gives it."""
    if register_containment is not None:
        building = application.building
        fields = dict(register_containment)
        if building is not None:
            fields.setdefault("responsible_building", building)
        if application.location is not None:
            fields.setdefault("location", application.location)
        data["containment"] = containment_create(actor=actor, **fields)
        data["containment_registered"] = True
        data.setdefault("containment_confirmed", True)
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.ASSESS,
        expected_state=expected_state,
        **data,
    )


def application_fee_settle(
    *,
    actor,
    role: str,
    application,
    expected_state: str | None = None,
    mode: str,
    amount=None,
    receipt_number: str = "",
) -> EmptyingApplication:
    """Paid (receipt number needed), waived (amount 0) or pay-on-service;
    the amount defaults to the estimated fee."""
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.SETTLE_FEE,
        expected_state=expected_state,
        fee_mode=mode,
        fee=amount,
        fee_receipt_number=receipt_number,
    )


def application_schedule(
    *,
    actor,
    role: str,
    application,
    expected_state: str | None = None,
    provider,
    scheduled_for,
    vehicle=None,
    crew=None,
    plant=None,
) -> EmptyingApplication:
    data = {"provider": provider, "scheduled_for": scheduled_for, "vehicle": vehicle}
    if crew is not None:
        data["crew"] = list(crew)
    if plant is not None:
        data["plant"] = plant
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.SCHEDULE,
        expected_state=expected_state,
        **data,
    )


def application_reassign(
    *,
    actor,
    role: str,
    application,
    expected_state: str | None = None,
    provider,
    scheduled_for,
    vehicle=None,
    crew=None,
    plant=None,
    reason: str = "",
) -> EmptyingApplication:
    data = {
        "provider": provider,
        "scheduled_for": scheduled_for,
        "vehicle": vehicle,
        "reason": reason,
    }
    if crew is not None:
        data["crew"] = list(crew)
    if plant is not None:
        data["plant"] = plant
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.REASSIGN,
        expected_state=expected_state,
        **data,
    )


def application_decline(
    *,
    actor,
    role: str = workflow.PROVIDER,
    application,
    expected_state: str | None = None,
    reason: str,
):
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.DECLINE,
        expected_state=expected_state,
        reason=reason,
    )


def application_empty(
    *,
    actor,
    role: str = workflow.PROVIDER,
    application,
    expected_state: str | None = None,
    volume_m3,
    trips: int | None = None,
    started_at=None,
    ended_at=None,
    cost=None,
    receipt_number: str = "",
    photos=(),
    plant=None,
) -> EmptyingApplication:
    """``photos``: (kind, uploaded file) pairs, kind "site" or "receipt"."""
    data = {
        "emptied_volume_m3": volume_m3,
        "trips": trips,
        "emptying_started_at": started_at,
        "emptying_ended_at": ended_at,
        "emptying_cost": cost,
        "emptying_receipt_number": receipt_number,
        "photos": list(photos),
    }
    if plant is not None:
        data["plant"] = plant
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.EMPTY,
        expected_state=expected_state,
        **data,
    )


def application_dispose(
    *,
    actor,
    role: str = workflow.CARETAKER,
    application,
    expected_state: str | None = None,
    plant,
    volume_m3,
    vehicle=None,
    arrived_at=None,
) -> EmptyingApplication:
    """The caretaker confirms the load at their plant: this closes the job."""
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.DISPOSE,
        expected_state=expected_state,
        plant=plant,
        disposed_volume_m3=volume_m3,
        disposal_vehicle=vehicle,
        arrived_at=arrived_at,
    )


def application_feedback(
    *,
    actor,
    role: str = workflow.CITIZEN,
    application,
    expected_state: str | None = None,
    satisfaction: int,
    crew_wore_ppe: bool | None = None,
    comments: str = "",
) -> EmptyingApplication:
    """Once, after closing (citizen, or the office for feedback by phone)."""
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.FEEDBACK,
        expected_state=expected_state,
        satisfaction=satisfaction,
        crew_wore_ppe=crew_wore_ppe,
        comments=comments,
    )


def application_cancel(
    *, actor, role: str, application, expected_state: str | None = None, reason: str = ""
) -> EmptyingApplication:
    """Citizens cancel while submitted, sent back or assessed; the office
    until the emptying."""
    return application_transition(
        actor=actor,
        role=role,
        application=application,
        action=workflow.CANCEL,
        expected_state=expected_state,
        reason=reason,
    )


@transaction.atomic
def provider_member_add(*, actor, provider: ServiceProvider, user) -> ProviderMember:
    """Link a staff user to the provider they work for (one provider each)."""
    if workflow.PROVIDER not in user_roles(user):
        raise ValidationError(_("Only service provider staff can be linked to a provider."))
    member, _created = ProviderMember.objects.update_or_create(
        user_id=user.pk, defaults={"provider": provider}
    )
    audit_event_record(
        actor=actor,
        action="fsm.provider.member",
        obj=provider,
        data={"user_id": user.pk},
    )
    return member


@transaction.atomic
def plant_caretaker_set(*, actor, plant: TreatmentPlant, user) -> TreatmentPlant:
    """Name the plant's caretaker (``user`` None: nobody)."""
    if user is not None and workflow.CARETAKER not in user_roles(user):
        raise ValidationError(_("Only a treatment plant caretaker can look after a plant."))
    plant.caretaker_id = _user_id(user)
    plant.save(update_fields=["caretaker_id"])
    audit_event_record(
        actor=actor,
        action="fsm.plant.caretaker",
        obj=plant,
        data={"user_id": plant.caretaker_id},
    )
    return plant


# --- municipality settings


@transaction.atomic
def fsm_sla_hours_set(*, actor, hours: dict) -> FsmConfig:
    """Replace this municipality's SLA hours (state -> hours or None); states
    left out use ``workflow.SLA_HOURS``."""
    from backoffice.fsm.sla import sla_hours_validate

    config = FsmConfig.objects.select_for_update().get(pk=fsm_config_get().pk)
    before = config.sla_hours
    config.sla_hours = sla_hours_validate(hours)
    config.save(update_fields=["sla_hours"])
    audit_event_record(
        actor=actor,
        action="fsm.config.sla",
        obj=config,
        data={"from": before, "to": config.sla_hours},
    )
    return config


FEE_SLAB_FIELDS = (
    "property_type",
    "low_income",
    "min_volume_m3",
    "max_volume_m3",
    "base_amount",
    "per_m3_amount",
    "per_extra_trip_amount",
    "active",
)


@transaction.atomic
def fee_slab_save(*, actor, slab: FeeSlab | None = None, **fields) -> FeeSlab:
    """Create (``slab`` None) or change one row of the fee table."""
    unknown = sorted(set(fields) - set(FEE_SLAB_FIELDS))
    if unknown:
        raise ValidationError(
            _("These fields cannot be set by this action: %(fields)s"),
            params={"fields": ", ".join(unknown)},
        )
    slab = slab or FeeSlab()
    for name, value in fields.items():
        setattr(slab, name, value)
    if slab.max_volume_m3 is not None and slab.max_volume_m3 <= slab.min_volume_m3:
        raise ValidationError({"max_volume_m3": _("The band must end above where it starts.")})
    created = slab.pk is None
    slab.full_clean()
    slab.save()
    audit_event_record(
        actor=actor,
        action="fsm.fee_slab.create" if created else "fsm.fee_slab.update",
        obj=slab,
        data={name: str(getattr(slab, name)) for name in FEE_SLAB_FIELDS},
    )
    return slab

"""FSM services, one step at a time: what each records, what it refuses."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import (
    AssignmentHistory,
    Containment,
    ContainmentType,
    EmptyingApplication,
    ServiceProvider,
    Vehicle,
)
from tenants.audit.models import AuditEvent
from tenants.storage import private_storage
from tests.backoffice.fsm.factories import PHONE, application_at, fsm_sample

photo_storage = private_storage()

MANAGER = wf.MANAGER


@pytest.fixture
def ctx(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield fsm_sample(tenant_a)


def refused(reason):
    return pytest.raises(wf.TransitionError, match=reason)


# --- submission


def test_citizen_applies_by_holding_and_gets_the_building_and_containment(ctx):
    app = services.application_submit(
        actor=None, role=wf.CITIZEN, holding=ctx["holding"], applicant_phone=PHONE
    )
    assert app.reference.startswith(services.fsm_config_get().application_prefix)
    assert app.applied_by_channel == "online"
    assert app.building == ctx["building"] and app.containment == ctx["containment"]


def test_citizen_applies_by_location_only(ctx):
    point = Point(89.56, 22.83, srid=4326)
    app = services.application_submit(
        actor=None,
        role=wf.CITIZEN,
        location=point,
        address="Behind the mosque",
        applicant_phone=PHONE,
    )
    assert app.location.equals(point) and app.holding is None and app.building is None


def test_submission_needs_a_place_and_a_citizen_needs_a_phone(ctx):
    with pytest.raises(ValidationError):
        services.application_submit(actor=None, role=wf.CITIZEN, applicant_phone=PHONE)
    with pytest.raises(ValidationError) as info:
        services.application_submit(actor=None, role=wf.CITIZEN, holding=ctx["holding"])
    assert "applicant_phone" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.application_submit(
            actor=None,
            role=wf.CITIZEN,
            holding=ctx["holding"],
            applicant_phone=PHONE,
            channel="phone",
        )
    assert not EmptyingApplication.objects.exists()


def test_help_desk_records_phone_and_walk_in(ctx):
    by_phone = services.application_submit(
        actor=ctx["manager"], role=MANAGER, building=ctx["other_building"]
    )
    walk_in = services.application_submit(
        actor=ctx["manager"], role=MANAGER, holding=ctx["holding"], channel="walk_in"
    )
    assert by_phone.applied_by_channel == "phone" and by_phone.created_by_id == ctx["manager"].pk
    assert walk_in.applied_by_channel == "walk_in"
    event = AuditEvent.objects.get(action="fsm.application.submit", object_id=str(walk_in.pk))
    assert event.data["channel"] == "walk_in"


def test_phone_numbers_are_stored_normalised(ctx):
    app = services.application_submit(
        actor=None, role=wf.CITIZEN, holding=ctx["holding"], applicant_phone="০১৭১১-০০০০০০"
    )
    assert app.applicant_phone == PHONE
    with pytest.raises(ValidationError) as info:
        services.application_submit(
            actor=None, role=wf.CITIZEN, holding=ctx["holding"], applicant_phone="12345"
        )
    assert "applicant_phone" in info.value.message_dict


def test_resubmission_keeps_the_channel(ctx):
    by_phone = services.application_submit(
        actor=ctx["manager"], role=MANAGER, holding=ctx["holding"], applicant_phone=PHONE
    )
    services.application_send_back(
        actor=ctx["manager"], role=MANAGER, application=by_phone, reason="Which tank?"
    )
    # The citizen answers online; the application stays a phone application.
    app = services.application_resubmit(actor=None, role=wf.CITIZEN, application=by_phone)
    assert app.state == wf.SUBMITTED and app.applied_by_channel == "phone"
    online = application_at(ctx, wf.SENT_BACK)
    app = services.application_resubmit(actor=ctx["manager"], role=MANAGER, application=online)
    assert app.applied_by_channel == "online"


def test_send_back_and_resubmit(ctx):
    app = application_at(ctx, wf.SENT_BACK)
    assert app.reason == "Wrong holding" and app.sent_back_at
    app = services.application_resubmit(
        actor=None, role=wf.CITIZEN, application=app, holding=ctx["other_holding"]
    )
    assert app.state == wf.SUBMITTED and app.holding == ctx["other_holding"]


# --- assessment and fee


def test_assessment_records_the_site_visit_and_estimates_the_fee(ctx):
    app = application_at(ctx, wf.SUBMITTED)
    app = services.application_assess(
        actor=ctx["manager"],
        role=MANAGER,
        application=app,
        site_visit_on=datetime.date(2026, 5, 3),
        containment_confirmed=True,
        access_notes="Lane 2.5 m",
        road_width_ok=False,
        vehicle_needed=ctx["vehicle"],
        vehicle_capacity_needed_m3=Decimal("2"),
        trips_estimated=2,
        estimated_volume_m3=Decimal("4"),
        plan="Small truck, two trips",
    )
    assert app.state == wf.ASSESSED and app.assessed_by_id == ctx["manager"].pk
    # Residential, 3-6 m³: 2500 base + 1000 for the second trip.
    assert app.estimated_fee == Decimal("3500.00")
    assert app.road_width_ok is False and app.vehicle_needed == ctx["vehicle"]


def test_assessment_registers_a_containment_found_on_site(ctx):
    app = services.application_submit(
        actor=ctx["manager"], role=MANAGER, building=ctx["other_building"]
    )
    assert app.containment is None
    app = services.application_assess(
        actor=ctx["manager"],
        role=MANAGER,
        application=app,
        register_containment={
            "containment_type": ContainmentType.objects.get(code="unlined_pit"),
            "volume_m3": Decimal("2"),
        },
        estimated_volume_m3=Decimal("2"),
        estimated_fee=Decimal("900"),
    )
    assert app.containment_registered and app.containment_confirmed
    assert list(app.containment.buildings.all()) == [ctx["other_building"]]
    assert app.estimated_fee == Decimal("900")


def test_a_refused_assessment_registers_no_containment(ctx):
    app = application_at(ctx, wf.SUBMITTED)
    before = Containment.objects.count()
    with refused("role may not"):
        services.application_assess(
            actor=ctx["provider_user"],
            role=wf.PROVIDER,
            application=app,
            register_containment={"containment_type": ContainmentType.objects.first()},
        )
    assert Containment.objects.count() == before


@pytest.mark.parametrize(
    "mode,amount,receipt,fee",
    [
        ("paid", None, "R-77", Decimal("2500.00")),
        ("paid", Decimal("2000"), "R-78", Decimal("2000")),
        ("waived", Decimal("999"), "", Decimal("0")),
        ("pay_on_service", None, "", Decimal("2500.00")),
    ],
)
def test_fee_settlement_modes(ctx, mode, amount, receipt, fee):
    app = application_at(ctx, wf.SUBMITTED)
    app = services.application_assess(
        actor=ctx["manager"], role=MANAGER, application=app, estimated_volume_m3=Decimal("4")
    )
    app = services.application_fee_settle(
        actor=ctx["manager"],
        role=MANAGER,
        application=app,
        mode=mode,
        amount=amount,
        receipt_number=receipt,
    )
    assert app.state == wf.FEE_SETTLED and app.fee_mode == mode and app.fee == fee
    assert app.fee_settled_by_id == ctx["manager"].pk


def test_paid_fee_needs_a_receipt_and_a_mode(ctx):
    app = application_at(ctx, wf.ASSESSED)
    with pytest.raises(ValidationError) as info:
        services.application_fee_settle(
            actor=ctx["manager"], role=MANAGER, application=app, mode="paid"
        )
    assert "fee_receipt_number" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.application_fee_settle(
            actor=ctx["manager"], role=MANAGER, application=app, mode="free"
        )
    app.refresh_from_db()
    assert app.state == wf.ASSESSED


# --- scheduling, reassignment, decline


def test_schedule_writes_history_and_crew(ctx):
    app = application_at(ctx, wf.SCHEDULED)
    assert app.provider == ctx["provider"] and app.plant == ctx["plant"]
    assert set(app.crew.all()) == set(ctx["crew"])
    event = AuditEvent.objects.get(action="fsm.application.schedule", object_id=str(app.pk))
    assert event.data == {
        "from": "fee_settled",
        "to": "scheduled",
        "role": "fsm_manager",
        "provider_id": ctx["provider"].pk,
        "vehicle_id": ctx["vehicle"].pk,
        "scheduled_for": "2026-06-01",
        "plant_id": ctx["plant"].pk,
    }
    fee = AuditEvent.objects.get(action="fsm.application.settle_fee", object_id=str(app.pk))
    assert fee.data["fee_mode"] == "pay_on_service" and fee.data["fee"] == "3500.00"
    (entry,) = AssignmentHistory.objects.filter(application=app)
    assert (entry.action, entry.provider, entry.vehicle, entry.by_id) == (
        "schedule",
        ctx["provider"],
        ctx["vehicle"],
        ctx["manager"].pk,
    )


def test_schedule_refuses_another_providers_vehicle_or_crew_or_an_inactive_provider(ctx):
    app = application_at(ctx, wf.FEE_SETTLED)
    day = datetime.date(2026, 6, 2)
    for extra in ({"vehicle": ctx["other_vehicle"]}, {"crew": ctx["other_crew"]}):
        with pytest.raises(ValidationError):
            services.application_schedule(
                actor=ctx["manager"],
                role=MANAGER,
                application=app,
                provider=ctx["provider"],
                scheduled_for=day,
                **extra,
            )
    Vehicle.objects.filter(pk=ctx["vehicle"].pk).update(status="maintenance")
    with pytest.raises(ValidationError) as info:
        services.application_schedule(
            actor=ctx["manager"],
            role=MANAGER,
            application=app,
            provider=ctx["provider"],
            vehicle=ctx["vehicle"],
            scheduled_for=day,
        )
    assert "vehicle" in info.value.message_dict
    ServiceProvider.objects.filter(pk=ctx["provider"].pk).update(status="suspended")
    with pytest.raises(ValidationError):
        services.application_schedule(
            actor=ctx["manager"],
            role=MANAGER,
            application=app,
            provider=ctx["provider"],
            scheduled_for=day,
        )
    app.refresh_from_db()
    assert (
        app.state == wf.FEE_SETTLED
        and not AssignmentHistory.objects.filter(application=app).exists()
    )


def test_decline_then_reassign_keeps_the_history(ctx):
    app = application_at(ctx, wf.PROVIDER_DECLINED)
    assert app.reason == "Truck broke down"
    app = services.application_reassign(
        actor=ctx["manager"],
        role=MANAGER,
        application=app,
        provider=ctx["other_provider"],
        vehicle=ctx["other_vehicle"],
        scheduled_for=datetime.date(2026, 6, 3),
        reason="First provider declined",
    )
    assert app.state == wf.SCHEDULED and app.provider == ctx["other_provider"]
    assert not app.crew.exists()  # the old provider's crew does not follow the job
    history = list(
        AssignmentHistory.objects.filter(application=app).values_list(
            "action", "provider__name", "reason"
        )
    )
    assert history == [
        ("schedule", "Clean Khulna Ltd", ""),
        ("decline", "Clean Khulna Ltd", "Truck broke down"),
        ("reassign", "Pit Masters", "First provider declined"),
    ]


def test_only_the_providers_own_staff_decline_or_empty(ctx):
    app = application_at(ctx, wf.SCHEDULED)
    with refused("not assigned"):
        services.application_decline(actor=ctx["other_provider_user"], application=app, reason="No")
    with refused("not assigned"):
        services.application_empty(
            actor=ctx["other_provider_user"], application=app, volume_m3=Decimal("3")
        )
    with pytest.raises(ValidationError):
        services.application_decline(actor=ctx["provider_user"], application=app, reason=" ")
    app.refresh_from_db()
    assert app.state == wf.SCHEDULED


# --- emptying and disposal


def _jpeg(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


def test_emptying_records_details_photos_and_updates_the_containment(ctx, tenant_a):
    app = application_at(ctx, wf.SCHEDULED)
    start = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
    app = services.application_empty(
        actor=ctx["provider_user"],
        application=app,
        volume_m3=Decimal("3.9"),
        trips=2,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2),
        cost=Decimal("3500"),
        receipt_number="E-12",
        photos=[("site", _jpeg("site.jpg")), ("receipt", _jpeg("receipt.jpg"))],
    )
    assert app.state == wf.EMPTIED and app.emptied_by_id == ctx["provider_user"].pk
    assert (app.trips, app.emptying_cost, app.emptying_receipt_number) == (
        2,
        Decimal("3500"),
        "E-12",
    )
    photos = list(app.photos.order_by("pk"))
    assert [p.kind for p in photos] == ["site", "receipt"]
    try:
        for photo in photos:
            assert photo.image.name.startswith(f"fsm/photos/{app.reference}/")
            assert photo_storage.exists(photo.image.name)
            # Private tenant storage: under its schema, outside MEDIA_ROOT.
            assert f"/private/{tenant_a.schema_name}/" in photo_storage.path(photo.image.name)
    finally:
        for photo in photos:
            photo.image.delete(save=False)
    containment = Containment.objects.get(pk=ctx["containment"].pk)
    assert containment.times_emptied == 1 and containment.last_emptied_on is not None


def test_emptying_end_before_start_is_refused(ctx):
    app = application_at(ctx, wf.SCHEDULED)
    start = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError):
        services.application_empty(
            actor=ctx["provider_user"],
            application=app,
            volume_m3=Decimal("3"),
            started_at=start,
            ended_at=start - datetime.timedelta(minutes=1),
        )


def test_disposal_by_the_plants_caretaker_closes_the_job(ctx):
    app = application_at(ctx, wf.EMPTIED)
    with refused("not assigned"):
        services.application_dispose(
            actor=ctx["other_caretaker"],
            application=app,
            plant=ctx["plant"],
            volume_m3=Decimal("3"),
        )
    app = services.application_dispose(
        actor=ctx["caretaker"], application=app, plant=ctx["plant"], volume_m3=Decimal("3.7")
    )
    assert app.state == wf.CLOSED and app.closed_at == app.disposed_at
    assert app.disposal_vehicle == ctx["vehicle"] and app.arrived_at is not None
    assert app.disposal_confirmed_by_id == ctx["caretaker"].pk


def test_a_caretaker_may_receive_a_load_headed_elsewhere_at_their_own_plant(ctx):
    app = application_at(ctx, wf.EMPTIED)
    app = services.application_dispose(
        actor=ctx["other_caretaker"],
        application=app,
        plant=ctx["other_plant"],
        volume_m3=Decimal("3.7"),
    )
    assert app.state == wf.CLOSED and app.plant == ctx["other_plant"]


# --- feedback and cancel


def test_feedback_once_after_closing(ctx):
    app = application_at(ctx, wf.CLOSED)
    closed_at = app.closed_at
    app = services.application_feedback(
        actor=None, application=app, satisfaction=4, crew_wore_ppe=True, comments="Quick"
    )
    assert app.state == wf.CLOSED and app.feedback_at and app.closed_at == closed_at
    with refused("feedback already given") as info:
        services.application_feedback(actor=None, application=app, satisfaction=1)
    assert "Feedback has already been given" in wf.refusal_message(info.value)
    assert AuditEvent.objects.filter(action="fsm.application.feedback").count() == 1


def test_office_records_feedback_given_by_phone(ctx):
    app = application_at(ctx, wf.CLOSED)
    app = services.application_feedback(
        actor=ctx["manager"], role=MANAGER, application=app, satisfaction=2
    )
    assert app.satisfaction == 2
    with pytest.raises(ValidationError):
        services.application_feedback(
            actor=None, application=application_at(ctx, wf.CLOSED), satisfaction=None
        )


def test_no_feedback_before_closing(ctx):
    app = application_at(ctx, wf.EMPTIED)
    with refused("not available"):
        services.application_feedback(actor=None, application=app, satisfaction=5)


@pytest.mark.parametrize("state", [wf.SUBMITTED, wf.SENT_BACK, wf.ASSESSED])
def test_citizen_cancels_early(ctx, state):
    app = services.application_cancel(
        actor=None, role=wf.CITIZEN, application=application_at(ctx, state), reason="Done myself"
    )
    assert app.state == wf.CANCELLED and app.cancelled_at


@pytest.mark.parametrize("state", [wf.FEE_SETTLED, wf.SCHEDULED, wf.EMPTIED, wf.CLOSED])
def test_citizen_cannot_cancel_later(ctx, state):
    app = application_at(ctx, state)
    with pytest.raises(wf.TransitionError):
        services.application_cancel(actor=None, role=wf.CITIZEN, application=app)


def test_office_cancels_a_scheduled_job(ctx):
    app = application_at(ctx, wf.SCHEDULED)
    app = services.application_cancel(
        actor=ctx["manager"], role=MANAGER, application=app, reason="Duplicate"
    )
    assert app.state == wf.CANCELLED


# --- stale forms, fee by the revenue collector, municipality settings


def test_a_step_from_a_stale_page_is_refused(ctx):
    app = application_at(ctx, wf.SUBMITTED)
    services.application_send_back(actor=ctx["manager"], role=MANAGER, application=app, reason="x")
    with refused("changed meanwhile") as info:
        services.application_reject(
            actor=ctx["manager"],
            role=MANAGER,
            application=app,
            reason="y",
            expected_state=wf.SUBMITTED,
        )
    assert "reload" in wf.refusal_message(info.value)
    app.refresh_from_db()
    assert app.state == wf.SENT_BACK


def test_revenue_collector_settles_the_fee(ctx, tenant_a):
    from tests.conftest import staff_user

    collector = staff_user(tenant_a, "revenue_collector")
    app = application_at(ctx, wf.ASSESSED)
    app = services.application_fee_settle(
        actor=collector,
        role="revenue_collector",
        application=app,
        mode="paid",
        receipt_number="C-1",
    )
    assert app.fee_settled_by_id == collector.pk


def test_sla_hours_are_set_and_audited(ctx):
    config = services.fsm_sla_hours_set(actor=ctx["manager"], hours={wf.SUBMITTED: "36"})
    assert config.sla_hours == {wf.SUBMITTED: 36}
    from backoffice.fsm import sla

    assert sla.sla_hours()[wf.SUBMITTED] == 36
    assert AuditEvent.objects.filter(action="fsm.config.sla").exists()
    with pytest.raises(ValidationError):
        services.fsm_sla_hours_set(actor=ctx["manager"], hours={wf.CLOSED: 3})


def test_fee_slab_save(ctx):
    from backoffice.fsm import fees

    slab = services.fee_slab_save(
        actor=ctx["manager"],
        property_type="commercial",
        low_income=False,
        min_volume_m3=Decimal("0"),
        max_volume_m3=Decimal("10"),
        base_amount=Decimal("4000"),
    )
    shop = fees.fee_estimate(holding=ctx["holding"], volume_m3=Decimal("1"))
    assert shop.slab != slab  # the holding is residential
    services.fee_slab_save(actor=ctx["manager"], slab=slab, base_amount=Decimal("4100"))
    slab.refresh_from_db()
    assert slab.base_amount == Decimal("4100")
    with pytest.raises(ValidationError):
        services.fee_slab_save(actor=ctx["manager"], slab=slab, max_volume_m3=Decimal("0"))
    with pytest.raises(ValidationError):
        services.fee_slab_save(actor=ctx["manager"], slab=slab, property_type="spaceship")
    with pytest.raises(ValidationError):
        services.fee_slab_save(actor=ctx["manager"], slab=slab, pk=5)
    assert AuditEvent.objects.filter(action__startswith="fsm.fee_slab.").count() == 2


def test_a_bad_photo_leaves_no_files_and_no_emptying(ctx):
    app = application_at(ctx, wf.SCHEDULED)
    with pytest.raises(ValidationError):
        services.application_empty(
            actor=ctx["provider_user"],
            application=app,
            volume_m3=Decimal("3"),
            photos=[("site", _jpeg("good.jpg")), ("selfie", _jpeg("bad.jpg"))],
        )
    app.refresh_from_db()
    assert app.state == wf.SCHEDULED and not app.photos.exists()
    folder = f"fsm/photos/{app.reference}"
    assert not photo_storage.exists(folder) or photo_storage.listdir(folder) == ([], [])


def test_members_and_caretakers_must_hold_the_role(ctx):
    with pytest.raises(ValidationError):
        services.provider_member_add(
            actor=ctx["manager"], provider=ctx["provider"], user=ctx["manager"]
        )
    with pytest.raises(ValidationError):
        services.plant_caretaker_set(
            actor=ctx["manager"], plant=ctx["plant"], user=ctx["provider_user"]
        )
    # A provider's user moves to another provider: one membership each.
    services.provider_member_add(
        actor=ctx["manager"], provider=ctx["other_provider"], user=ctx["provider_user"]
    )
    assert services.provider_for_user(ctx["provider_user"]) == ctx["other_provider"]
    services.plant_caretaker_set(actor=ctx["manager"], plant=ctx["plant"], user=None)
    ctx["plant"].refresh_from_db()
    assert ctx["plant"].caretaker_id is None

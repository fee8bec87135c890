"""FSM services: containment IDs, the workflow end to end, isolation."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import (
    Containment,
    ContainmentType,
    EffluentTest,
    EmptyingApplication,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from tenants.audit.models import AuditEvent
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import staff_user


def setup_tenant(tenant) -> dict:
    wards_make(2)
    manager = staff_user(tenant, "fsm_manager")
    building = building_make(manager)
    holding = holding_make(manager, buildings=[building])
    containment = services.containment_create(
        actor=manager,
        containment_type=ContainmentType.objects.get(code="septic_soak_pit"),
        volume_m3=Decimal("4.5"),
        constructed_on=datetime.date(2020, 2, 29),
        emptying_frequency_years=2,
        location=Point(89.55, 22.82, srid=4326),
        households_served=2,
        population_served=9,
        toilets=2,
        responsible_building=building,
    )
    provider = ServiceProvider.objects.create(name="Clean Khulna Ltd")
    vehicle = Vehicle.objects.create(
        provider=provider,
        plate="KHULNA-HA-11-2233",
        capacity_m3=Decimal("3"),
        width_m=Decimal("1.8"),
    )
    plant = TreatmentPlant.objects.create(
        name="Rajbandh FSTP",
        kind=TreatmentPlant.Kind.FSTP,
        location=Point(89.50, 22.80, srid=4326),
        capacity_m3_per_day=Decimal("60"),
    )
    provider_user = staff_user(tenant, "service_provider")
    services.provider_member_add(actor=manager, provider=provider, user=provider_user)
    caretaker = staff_user(tenant, "caretaker")
    services.plant_caretaker_set(actor=manager, plant=plant, user=caretaker)
    return {
        "manager": manager,
        "provider_user": provider_user,
        "caretaker": caretaker,
        "building": building,
        "holding": holding,
        "containment": containment,
        "provider": provider,
        "vehicle": vehicle,
        "plant": plant,
    }


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield setup_tenant(tenant_a)


def test_sixteen_containment_types_are_seeded(in_a):
    assert ContainmentType.objects.count() == 16
    assert ContainmentType.objects.filter(code="twin_pit_pour_flush").exists()


def test_containment_id_comes_from_the_sequence_in_the_municipality_format(in_a):
    first = in_a["containment"]
    second = services.containment_create(
        actor=in_a["manager"], containment_type=ContainmentType.objects.get(code="unknown")
    )
    prefix = services.fsm_config_get().containment_prefix
    assert first.code.startswith(prefix) and second.code.startswith(prefix)
    assert int(second.code[len(prefix) :]) == int(first.code[len(prefix) :]) + 1
    assert first.containmentbuilding_set.get().responsible
    assert list(in_a["building"].containments.all()) == [first]
    # 29 February plus two years falls on 28 February.
    assert first.next_due_on == datetime.date(2022, 2, 28)
    assert second.next_due_on is None


def citizen_data(ctx) -> dict:
    return {
        "actor": None,
        "role": wf.CITIZEN,
        "holding": ctx["holding"],
        "applicant_phone": "+8801711000000",
    }


def run_to_emptied(ctx) -> EmptyingApplication:
    citizen = None
    app = services.application_submit(
        actor=citizen,
        role=wf.CITIZEN,
        holding=ctx["holding"],
        building=ctx["building"],
        applicant_phone="+8801711000000",
    )
    step = services.application_transition
    app = step(
        actor=ctx["manager"],
        role="fsm_manager",
        application=app,
        action=wf.ASSESS,
        containment=ctx["containment"],
        estimated_volume_m3=Decimal("4"),
        estimated_fee=Decimal("1500"),
    )
    app = step(
        actor=ctx["manager"],
        role="fsm_manager",
        application=app,
        action=wf.SETTLE_FEE,
        fee_mode="paid",
        fee_receipt_number="R-1",
    )
    app = step(
        actor=ctx["manager"],
        role="fsm_manager",
        application=app,
        action=wf.SCHEDULE,
        provider=ctx["provider"],
        vehicle=ctx["vehicle"],
        scheduled_for=datetime.date.today(),
    )
    return step(
        actor=ctx["provider_user"],
        role="service_provider",
        application=app,
        action=wf.EMPTY,
        emptied_volume_m3=Decimal("3.8"),
    )


def test_happy_path_submitted_to_closed(in_a):
    app = run_to_emptied(in_a)
    app = services.application_transition(
        actor=in_a["caretaker"],
        role="caretaker",
        application=app,
        action=wf.DISPOSE,
        plant=in_a["plant"],
        disposed_volume_m3=Decimal("3.8"),
    )
    assert app.state == wf.CLOSED and app.feedback_at is None
    assert app.disposed_at == app.closed_at == app.state_changed_at
    app = services.application_transition(
        actor=None,
        role=wf.CITIZEN,
        application=app,
        action=wf.FEEDBACK,
        satisfaction=5,
        crew_wore_ppe=True,
    )
    app.refresh_from_db()
    assert app.state == wf.CLOSED and app.feedback_at is not None
    for state in (
        "submitted",
        "assessed",
        "fee_settled",
        "scheduled",
        "emptied",
        "disposed",
        "closed",
        "feedback",
    ):
        assert getattr(app, f"{state}_at") is not None, state
    actions = list(
        AuditEvent.objects.filter(object_id=str(app.pk), action__startswith="fsm.application.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        f"fsm.application.{a}"
        for a in ("submit", "assess", "settle_fee", "schedule", "empty", "dispose", "feedback")
    ]


def test_emptying_updates_the_containment(in_a):
    run_to_emptied(in_a)
    containment = Containment.objects.get(pk=in_a["containment"].pk)
    today = datetime.date.today()
    assert containment.last_emptied_on == today
    assert containment.times_emptied == 1
    assert containment.next_due_on == services._add_years(today, 2)


def test_rejection_needs_a_reason(in_a):
    app = services.application_submit(
        actor=in_a["manager"], role="fsm_manager", holding=in_a["holding"]
    )
    with pytest.raises(ValidationError):
        services.application_transition(
            actor=in_a["manager"], role="fsm_manager", application=app, action=wf.REJECT
        )
    app.refresh_from_db()
    assert app.state == wf.SUBMITTED
    app = services.application_transition(
        actor=in_a["manager"],
        role="fsm_manager",
        application=app,
        action=wf.REJECT,
        reason="Not in this municipality",
    )
    assert app.state == wf.REJECTED and app.rejected_at is not None


def test_citizen_cancels(in_a):
    app = services.application_submit(**citizen_data(in_a))
    app = services.application_transition(
        actor=None, role=wf.CITIZEN, application=app, action=wf.CANCEL
    )
    assert app.state == wf.CANCELLED and app.cancelled_at is not None


def test_role_refused_changes_nothing(in_a):
    app = services.application_submit(**citizen_data(in_a))
    with pytest.raises(wf.TransitionError):
        services.application_transition(
            actor=in_a["provider_user"], role="service_provider", application=app, action=wf.ASSESS
        )
    with pytest.raises(wf.TransitionError):
        services.application_submit(actor=in_a["provider_user"], role="service_provider")
    app.refresh_from_db()
    assert app.state == wf.SUBMITTED and app.assessed_at is None
    assert not AuditEvent.objects.filter(action="fsm.application.assess").exists()


def test_staff_must_hold_the_role_they_act_in(in_a):
    app = services.application_submit(**citizen_data(in_a))
    with pytest.raises(wf.TransitionError, match="does not hold"):
        services.application_transition(
            actor=in_a["provider_user"], role="fsm_manager", application=app, action=wf.ASSESS
        )
    with pytest.raises(wf.TransitionError, match="does not hold"):
        services.application_submit(actor=None, role="fsm_manager", holding=in_a["holding"])
    app.refresh_from_db()
    assert app.state == wf.SUBMITTED


def test_action_cannot_set_foreign_fields(in_a):
    app = services.application_submit(**citizen_data(in_a))
    with pytest.raises(ValidationError):
        services.application_transition(
            actor=None, role=wf.CITIZEN, application=app, action=wf.CANCEL, fee=Decimal("0")
        )


def test_effluent_test_checked_against_standards(in_a):
    test = EffluentTest.objects.create(
        plant=in_a["plant"],
        sampled_on=datetime.date.today(),
        ph=Decimal("7.1"),
        bod=Decimal("45"),
        cod=Decimal("120"),
    )
    assert test.failures() == ["bod"]


def test_two_tenants_are_isolated(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        ctx = setup_tenant(tenant_a)
        services.application_submit(
            actor=None, role=wf.CITIZEN, holding=ctx["holding"], applicant_phone="+8801711000000"
        )
        code_a = ctx["containment"].code
    with schema_context(tenant_b.schema_name):
        assert not Containment.objects.exists()
        assert not EmptyingApplication.objects.exists()
        ctx_b = setup_tenant(tenant_b)
        # Each municipality has its own prefix and sequence.
        assert code_a.startswith("KHU-C") and ctx_b["containment"].code.startswith("JAS-C")
        for _ in range(3):
            services.containment_code_allocate()
        assert Containment.objects.count() == 1
    with schema_context(tenant_a.schema_name):
        assert list(Containment.objects.values_list("code", flat=True)) == [code_a]
        # Khulna's sequence did not move while Jashore allocated.
        assert int(services.containment_code_allocate()[5:]) == int(code_a[5:]) + 1
        assert EmptyingApplication.objects.count() == 1

"""FSM test data inside a tenant: providers, plants, a containment and a
helper that walks an application to any workflow state through services.

Use inside ``schema_context``: ``ctx = fsm_sample(tenant)`` then
``application_at(ctx, wf.SCHEDULED)``."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import (
    ContainmentType,
    Employee,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import staff_user
from tests.support.tenancy import PASSWORD

PHONE = "+8801711000000"


def role_user_make(username: str, role: str):
    """Another staff user holding ``role`` (the session has one per role)."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    return user


def provider_make(name: str, plate: str, *, member=None, actor=None) -> dict:
    provider = ServiceProvider.objects.create(name=name)
    vehicle = Vehicle.objects.create(
        provider=provider, plate=plate, capacity_m3=Decimal("3"), width_m=Decimal("1.8")
    )
    driver = Employee.objects.create(provider=provider, name=f"{name} driver", role="driver")
    emptier = Employee.objects.create(provider=provider, name=f"{name} emptier", role="emptier")
    if member is not None:
        services.provider_member_add(actor=actor, provider=provider, user=member)
    return {"provider": provider, "vehicle": vehicle, "crew": [driver, emptier]}


def plant_make(name: str, *, caretaker=None, actor=None) -> TreatmentPlant:
    plant = TreatmentPlant.objects.create(
        name=name,
        kind=TreatmentPlant.Kind.FSTP,
        location=Point(89.50, 22.80, srid=4326),
        capacity_m3_per_day=Decimal("60"),
    )
    if caretaker is not None:
        services.plant_caretaker_set(actor=actor, plant=plant, user=caretaker)
    return plant


def fsm_sample(tenant) -> dict:
    """Two wards, a building and holding in each, a containment for the
    first; provider A (the session's service_provider user is a member) and
    provider B (its own user); plant A (the session caretaker) and plant B."""
    wards = wards_make(2)
    manager = staff_user(tenant, "fsm_manager")
    building = building_make(manager, ward=1)
    holding = holding_make(manager, buildings=[building])
    other_building = building_make(manager, ward=2, index=1)
    other_holding = holding_make(manager, code="02-001-0001-00", buildings=[other_building])
    containment = services.containment_create(
        actor=manager,
        containment_type=ContainmentType.objects.get(code="septic_soak_pit"),
        volume_m3=Decimal("4.5"),
        constructed_on=datetime.date(2020, 2, 29),
        emptying_frequency_years=2,
        location=Point(89.55, 22.82, srid=4326),
        responsible_building=building,
    )
    provider_user = staff_user(tenant, "service_provider")
    caretaker = staff_user(tenant, "caretaker")
    a = provider_make("Clean Khulna Ltd", "KHULNA-HA-11-2233", member=provider_user, actor=manager)
    other_provider_user = role_user_make("provider_b", "service_provider")
    b = provider_make("Pit Masters", "KHULNA-HA-11-9999", member=other_provider_user, actor=manager)
    plant = plant_make("Rajbandh FSTP", caretaker=caretaker, actor=manager)
    other_caretaker = role_user_make("caretaker_b", "caretaker")
    other_plant = plant_make("Second FSTP", caretaker=other_caretaker, actor=manager)
    return {
        "tenant": tenant,
        "wards": wards,
        "manager": manager,
        "building": building,
        "holding": holding,
        "other_building": other_building,
        "other_holding": other_holding,
        "containment": containment,
        "provider_user": provider_user,
        "other_provider_user": other_provider_user,
        "provider": a["provider"],
        "vehicle": a["vehicle"],
        "crew": a["crew"],
        "other_provider": b["provider"],
        "other_vehicle": b["vehicle"],
        "other_crew": b["crew"],
        "caretaker": caretaker,
        "plant": plant,
        "other_caretaker": other_caretaker,
        "other_plant": other_plant,
    }


# The path to each state, as (service step) names.
PATH = {
    wf.SUBMITTED: [],
    wf.SENT_BACK: ["send_back"],
    wf.REJECTED: ["reject"],
    wf.CANCELLED: ["cancel"],
    wf.ASSESSED: ["assess"],
    wf.FEE_SETTLED: ["assess", "settle"],
    wf.SCHEDULED: ["assess", "settle", "schedule"],
    wf.PROVIDER_DECLINED: ["assess", "settle", "schedule", "decline"],
    wf.EMPTIED: ["assess", "settle", "schedule", "empty"],
    wf.CLOSED: ["assess", "settle", "schedule", "empty", "dispose"],
}


def application_at(ctx, state: str, *, holding=None, plant=None, **submit):
    """A new citizen application walked to ``state`` through the services."""
    manager, office = ctx["manager"], wf.MANAGER
    holding = holding or ctx["holding"]
    app = services.application_submit(
        actor=None, role=wf.CITIZEN, holding=holding, applicant_phone=PHONE, **submit
    )
    for step in PATH[state]:
        if step == "send_back":
            app = services.application_send_back(
                actor=manager, role=office, application=app, reason="Wrong holding"
            )
        elif step == "reject":
            app = services.application_reject(
                actor=manager, role=office, application=app, reason="Outside the city"
            )
        elif step == "cancel":
            app = services.application_cancel(actor=None, role=wf.CITIZEN, application=app)
        elif step == "assess":
            app = services.application_assess(
                actor=manager,
                role=office,
                application=app,
                containment_confirmed=True,
                estimated_volume_m3=Decimal("4"),
                trips_estimated=2,
            )
        elif step == "settle":
            app = services.application_fee_settle(
                actor=manager, role=office, application=app, mode="pay_on_service"
            )
        elif step == "schedule":
            app = services.application_schedule(
                actor=manager,
                role=office,
                application=app,
                provider=ctx["provider"],
                vehicle=ctx["vehicle"],
                crew=ctx["crew"],
                scheduled_for=datetime.date(2026, 6, 1),
                plant=plant or ctx["plant"],
            )
        elif step == "decline":
            app = services.application_decline(
                actor=ctx["provider_user"], application=app, reason="Truck broke down"
            )
        elif step == "empty":
            app = services.application_empty(
                actor=ctx["provider_user"], application=app, volume_m3=Decimal("3.8"), trips=2
            )
        elif step == "dispose":
            target = app.plant
            caretaker = ctx["caretaker"] if target == ctx["plant"] else ctx["other_caretaker"]
            app = services.application_dispose(
                actor=caretaker, application=app, plant=target, volume_m3=Decimal("3.7")
            )
    assert app.state == state, (app.state, state)
    return app

"""A small FSM world inside one tenant for the staff pages' tests: a holding
with a containment, two providers (the ``service_provider`` user works for
the first), two plants (the ``caretaker`` user keeps the first) and
applications in the states the pages show."""

import datetime
from decimal import Decimal

from django.contrib.gis.geos import Point

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import (
    ContainmentType,
    Employee,
    ProviderMember,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import staff_user

HOLDING = "01-001-0001-00"
PHONE = "+8801712345678"


def _provider(name: str, plate: str):
    provider = ServiceProvider.objects.create(name=name, phone="01711000000")
    vehicle = Vehicle.objects.create(
        provider=provider, plate=plate, capacity_m3=Decimal("3"), width_m=Decimal("1.8")
    )
    crew = Employee.objects.create(provider=provider, name=f"{name} driver", role="driver")
    return provider, vehicle, crew


def _plant(name: str, caretaker=None):
    return TreatmentPlant.objects.create(
        name=name,
        kind=TreatmentPlant.Kind.FSTP,
        location=Point(89.50, 22.80, srid=4326),
        capacity_m3_per_day=Decimal("60"),
        caretaker_id=getattr(caretaker, "pk", None),
    )


def submit(manager, holding, **extra):
    return services.application_submit(
        actor=manager,
        role=wf.MANAGER,
        channel="phone",
        holding=holding,
        applicant_name="Karim Mia",
        applicant_phone=PHONE,
        **extra,
    )


def to_scheduled(manager, app, provider, vehicle, crew, plant):
    act = services.application_transition
    app = act(
        actor=manager,
        role=wf.MANAGER,
        application=app,
        action=wf.ASSESS,
        estimated_volume_m3=Decimal("3.0"),
        trips_estimated=1,
    )
    app = act(
        actor=manager,
        role=wf.MANAGER,
        application=app,
        action=wf.SETTLE_FEE,
        fee_mode="pay_on_service",
    )
    return act(
        actor=manager,
        role=wf.MANAGER,
        application=app,
        action=wf.SCHEDULE,
        provider=provider,
        vehicle=vehicle,
        crew=[crew],
        plant=plant,
        scheduled_for=datetime.date.today() + datetime.timedelta(days=1),
    )


def to_emptied(provider_user, app, plant):
    return services.application_transition(
        actor=provider_user,
        role=wf.PROVIDER,
        application=app,
        action=wf.EMPTY,
        emptied_volume_m3=Decimal("2.8"),
        trips=1,
        plant=plant,
    )


def fsm_sample(tenant) -> dict:
    wards_make(2)
    manager = staff_user(tenant, "fsm_manager")
    provider_user = staff_user(tenant, "service_provider")
    caretaker = staff_user(tenant, "caretaker")
    building = building_make(manager, ward=1, index=3)
    holding = holding_make(manager, code=HOLDING, buildings=[building], address="12 Lake Road")
    containment = services.containment_create(
        actor=manager,
        containment_type=ContainmentType.objects.get(code="septic_soak_pit"),
        volume_m3=Decimal("4.5"),
        constructed_on=datetime.date(2020, 2, 1),
        emptying_frequency_years=2,
        responsible_building=building,
    )
    mine, my_vehicle, my_crew = _provider("Clean City Ltd", "KHULNA-HA-11-0001")
    other, other_vehicle, other_crew = _provider("Other Tank Co", "KHULNA-HA-11-0002")
    ProviderMember.objects.create(provider=mine, user_id=provider_user.pk)
    my_plant = _plant("Rajbandh FSTP", caretaker)
    other_plant = _plant("Second FSTP")

    submitted = submit(manager, holding)
    assessed = services.application_transition(
        actor=manager,
        role=wf.MANAGER,
        application=submit(manager, holding),
        action=wf.ASSESS,
        estimated_volume_m3=Decimal("3.0"),
    )
    scheduled = to_scheduled(manager, submit(manager, holding), mine, my_vehicle, my_crew, my_plant)
    others = to_scheduled(
        manager, submit(manager, holding), other, other_vehicle, other_crew, other_plant
    )
    emptied = to_emptied(
        provider_user,
        to_scheduled(manager, submit(manager, holding), mine, my_vehicle, my_crew, my_plant),
        my_plant,
    )
    elsewhere = to_emptied(
        provider_user,
        to_scheduled(manager, submit(manager, holding), mine, my_vehicle, my_crew, other_plant),
        other_plant,
    )
    return {
        "manager": manager,
        "provider_user": provider_user,
        "caretaker": caretaker,
        "building": building,
        "holding": holding,
        "containment": containment,
        "provider": mine,
        "vehicle": my_vehicle,
        "crew": my_crew,
        "other_provider": other,
        "other_vehicle": other_vehicle,
        "plant": my_plant,
        "other_plant": other_plant,
        "submitted": submitted,
        "assessed": assessed,
        "scheduled": scheduled,
        "others": others,
        "emptied": emptied,
        "elsewhere": elsewhere,
    }

"""Synthetic FSM data at the tiny scale: counts proportional to Khulna's,
every workflow state present with consistent timestamps, valid links,
the same data for the same seed in two municipalities, --replace."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context

from backoffice.fsm import selectors, workflow
from backoffice.fsm.models import (
    AssignmentHistory,
    Containment,
    ContainmentBuilding,
    EffluentTest,
    Employee,
    EmptyingApplication,
    ProviderMember,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from backoffice.fsm.synthetic import containment_count, fsm_anchor, job_count
from backoffice.registry.models import Building, BuildingHolding
from backoffice.registry.synthetic import PLACES, SCALES, city_generate

TINY = SCALES["tiny"]


def staff(username: str):
    return get_user_model().objects.get(username=username)


# Each state's own timestamp field (the services set "<state>_at").
STAMPED = [s for s in workflow.STATES if hasattr(EmptyingApplication, f"{s}_at")]


def generate(seed: int = 1, **kwargs):
    kwargs.setdefault("replace", True)
    return city_generate(scale="tiny", seed=seed, **kwargs)


def test_counts_proportional_to_khulna():
    assert containment_count(156_052) == 67_330
    assert containment_count(TINY.buildings) == round(500 * 67_330 / 156_052)
    assert job_count(67_330) == round(67_330 * 0.08)


def test_tiny_city_has_fsm_data_in_every_state(tenant_a):
    with schema_context(tenant_a.schema_name):
        gen = generate()
        assert Containment.objects.count() == containment_count(TINY.buildings)
        assert gen.counts["fsm.Containment"] == Containment.objects.count()
        # Every containment has one responsible building; some serve two.
        per = Containment.objects.annotate(
            n=Count("containmentbuilding"),
        ).values_list("n", flat=True)
        assert min(per) >= 1
        assert ContainmentBuilding.objects.filter(responsible=True).count() == len(per)
        assert Containment.objects.values("containment_type").distinct().count() >= 8
        assert not Containment.objects.filter(volume_m3__isnull=True).exists()
        assert not Containment.objects.filter(next_due_on__isnull=True).exists()
        assert Containment.objects.filter(last_emptied_on__isnull=True).exists()
        assert ServiceProvider.objects.count() >= 3
        assert Employee.objects.filter(role="driver").exists()
        assert not ServiceProvider.objects.filter(vehicles__isnull=True).exists()
        assert not ServiceProvider.objects.filter(status="active", wards__isnull=True).exists()
        assert TreatmentPlant.objects.count() == 1
        assert EffluentTest.objects.count() == 12
        caretaker = staff("caretaker")
        assert TreatmentPlant.objects.get().caretaker_id == caretaker.pk
        states = set(EmptyingApplication.objects.values_list("state", flat=True))
        assert states == set(workflow.STATES)
        # What the manager's lists show: overdue jobs, loads not at a plant, due containments.
        assert selectors.applications_overdue().exists()
        assert selectors.applications_emptied_not_disposed(older_than_hours=12).exists()
        assert selectors.containments_due(within_days=30).exists()
        assert EmptyingApplication.objects.count() == job_count(Containment.objects.count())


def test_timestamps_and_values_consistent(tenant_a):
    with schema_context(tenant_a.schema_name):
        gen = generate(seed=4)
        anchor = fsm_anchor(gen)
        apps = list(EmptyingApplication.objects.select_related("containment", "provider"))
        assert min(a.submitted_at for a in apps) >= anchor - datetime.timedelta(days=366)
        for a in apps:
            assert a.state_changed_at <= anchor, a.reference
            assert a.submitted_at <= a.state_changed_at
            # The current state's own stamp is when it changed.
            if a.state in STAMPED and a.state != workflow.SUBMITTED:
                assert getattr(a, f"{a.state}_at") == a.state_changed_at, a.reference
            order = [a.submitted_at, a.assessed_at, a.fee_settled_at, a.scheduled_at,
                     a.emptying_started_at, a.emptying_ended_at, a.emptied_at, a.arrived_at,
                     a.disposed_at, a.feedback_at]  # fmt: skip
            reached = [t for t in order if t is not None]
            assert reached == sorted(reached), a.reference
            if a.emptied_at:
                assert a.provider_id and a.vehicle_id and a.emptied_volume_m3 > 0
                assert a.vehicle.provider_id == a.provider_id and a.vehicle.status == "in_service"
                assert a.containment.last_emptied_on >= a.emptied_at.date()
                assert a.estimated_fee > 0 and a.estimated_volume_m3 > 0 and a.trips >= 1
                assert a.fee_mode in ("paid", "waived", "pay_on_service")
                assert a.fee == 0 if a.fee_mode == "waived" else a.fee == a.estimated_fee
                assert a.plant_id and a.crew.exists()
                assert not a.crew.exclude(provider=a.provider_id).exists()
            if a.state == workflow.CLOSED:
                # The caretaker's confirmation closed it.
                assert a.disposed_at == a.closed_at and a.disposal_confirmed_by_id
                assert a.disposed_volume_m3 <= a.emptied_volume_m3
            if a.feedback_at:
                assert a.state == workflow.CLOSED
                assert 1 <= a.satisfaction <= 5 and a.crew_wore_ppe is not None
            if a.state in (workflow.REJECTED, workflow.SENT_BACK, workflow.PROVIDER_DECLINED):
                assert a.reason
            assert a.reference.startswith(f"KHU-E{a.submitted_at.year}-")
        # The building and holding are the containment's responsible ones.
        for a in apps:
            assert ContainmentBuilding.objects.filter(
                containment=a.containment_id, building=a.building_id, responsible=True
            ).exists()
            assert BuildingHolding.objects.filter(
                building=a.building_id, holding=a.holding_id
            ).exists()
        # An emptied job's containment is due again after its frequency.
        for c in Containment.objects.filter(last_emptied_on__isnull=False)[:50]:
            years = c.emptying_frequency_years or 3
            assert c.next_due_on.year - c.last_emptied_on.year == years
        assert Containment.objects.filter(location__isnull=True).count() == 0
        assert EmptyingApplication.objects.filter(feedback_at__isnull=False).exists()
        assert EmptyingApplication.objects.filter(state="closed", feedback_at=None).exists()
        history = AssignmentHistory.objects.values_list("action", flat=True).distinct()
        assert set(history) == {"schedule", "reassign", "decline"}
        # The demo users: the provider's member sees jobs, the caretaker arrivals.
        member = ProviderMember.objects.get(user_id=staff("service_provider").pk)
        assert EmptyingApplication.objects.filter(provider=member.provider_id).exists()
        assert all(v > Decimal(0) for v in Vehicle.objects.values_list("capacity_m3", flat=True))


def _snapshot(gen) -> dict:
    """Everything generated, relative to each schema's own BINs, codes and time."""
    anchor = fsm_anchor(gen)
    first_bin = Building.objects.order_by("bin").values_list("bin", flat=True).first()

    def rel_bin(b: str) -> int:
        return int(b[-7:]) - int(first_bin[-7:])

    def rel(t):
        return None if t is None else (t - anchor).total_seconds()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT right(c.code, 7)::int - (SELECT min(right(code, 7)::int)"
            " FROM fsm_containment), t.code, c.size, c.volume_m3, c.constructed_on,"
            " ST_AsText(c.location), c.households_served, c.population_served, c.toilets,"
            " c.well_distance_m, c.last_emptied_on, c.times_emptied,"
            " c.emptying_frequency_years, c.next_due_on, array_agg(b.bin ORDER BY b.bin)"
            " FROM fsm_containment c JOIN fsm_containmenttype t ON t.id = c.containment_type_id"
            " JOIN fsm_containmentbuilding cb ON cb.containment_id = c.id"
            " JOIN registry_building b ON b.id = cb.building_id GROUP BY c.id, t.code"
            " ORDER BY c.code"
        )
        containments = [(*r[:-1], [rel_bin(b) for b in r[-1]]) for r in cursor.fetchall()]
    first_ref = min(
        int(r[-6:]) for r in EmptyingApplication.objects.values_list("reference", flat=True)
    )
    jobs = [
        (
            int(a.reference[-6:]) - first_ref,
            a.state,
            rel(a.state_changed_at),
            *(rel(getattr(a, f"{s}_at")) for s in STAMPED),
            a.fee,
            a.estimated_volume_m3,
            a.emptied_volume_m3,
            a.disposed_volume_m3,
            a.provider.name if a.provider else None,
            a.vehicle.plate if a.vehicle else None,
            a.plant.name if a.plant else None,
            a.satisfaction,
            a.crew_wore_ppe,
            a.comments,
            a.reason,
            a.applicant_name,
            a.applicant_phone,
            rel_bin(a.building.bin),
            a.holding.code,
        )
        for a in EmptyingApplication.objects.select_related(
            "provider", "vehicle", "plant", "building", "holding"
        ).order_by("reference")
    ]
    providers = list(
        ServiceProvider.objects.order_by("name").values_list(
            "name", "licence_number", "contact_person", "phone", "status"
        )
    )
    wards = list(
        ServiceProvider.wards.through.objects.order_by(
            "serviceprovider__name", "ward__number"
        ).values_list("serviceprovider__name", "ward__number")
    )
    crew = list(Employee.objects.order_by("id").values_list("name", "role", "licence_number"))
    vehicles = list(Vehicle.objects.order_by("plate").values_list("plate", "capacity_m3"))
    tests = list(EffluentTest.objects.order_by("id").values_list("ph", "bod", "ecoli"))
    return {"containments": containments, "jobs": jobs, "providers": providers,
            "wards": wards, "crew": crew, "vehicles": vehicles, "tests": tests}  # fmt: skip


def test_same_seed_same_data_in_two_municipalities(tenant_a, tenant_b):
    khulna = PLACES["khulna"]
    with schema_context(tenant_a.schema_name):
        a = _snapshot(generate(seed=9, place=khulna))
        codes_a = list(Containment.objects.values_list("code", flat=True))
        refs_a = list(EmptyingApplication.objects.values_list("reference", flat=True))
    with schema_context(tenant_b.schema_name):
        b = _snapshot(generate(seed=9, place=khulna))
        codes_b = list(Containment.objects.values_list("code", flat=True))
    for key in a:
        assert a[key] == b[key], key
    assert all(c.startswith("KHU-C") for c in codes_a)
    assert all(c.startswith("JAS-C") for c in codes_b)
    assert all(r.startswith("KHU-E") for r in refs_a)
    with schema_context(tenant_a.schema_name):
        c = _snapshot(generate(seed=10, place=khulna))
    assert c["containments"] != a["containments"] and c["jobs"] != a["jobs"]


def test_replace_leaves_one_city_of_fsm_data(tenant_a):
    with schema_context(tenant_a.schema_name):
        first = generate(seed=2)
        again = generate(seed=2)
        assert first.counts == again.counts
        assert Containment.objects.count() == containment_count(TINY.buildings)
        assert ServiceProvider.objects.count() == first.counts["fsm.ServiceProvider"]
        assert EmptyingApplication.objects.count() == first.counts["fsm.EmptyingApplication"]

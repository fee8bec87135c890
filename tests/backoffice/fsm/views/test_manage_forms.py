"""The office's master data and settings forms: each one's happy path
through its service (with its audit row) and a validation error."""

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm import sla
from backoffice.fsm.models import (
    Containment,
    EffluentStandard,
    EffluentTest,
    Employee,
    FeeSlab,
    FsmConfig,
    ProviderMember,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from tenants.audit.models import AuditEvent
from tests.backoffice.fsm.factories import role_user_make
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.backoffice.registry.factories import building_make
from tests.conftest import login

M = "/staff/fsm/manage"


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        return fsm_sample(tenant_a)


@pytest.fixture
def manager(client_a, tenant_a):
    return login(client_a, tenant_a, "fsm_manager")


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield


def _audited(action: str, obj) -> AuditEvent:
    return AuditEvent.objects.get(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


def test_provider_create_and_edit(world, manager, in_a):
    page = manager.get(f"{M}/providers/new/").content.decode()
    assert 'name="wards"' in page and "never deleted" in page
    response = manager.post(
        f"{M}/providers/new/",
        {
            "name": "Jessore Sanitation Co",
            "licence_number": "LIC-77",
            "contact_person": "Rahim",
            "phone": "01711111111",
            "email": "ops@example.com",
            "wards": [world["building"].ward_id],
            "status": "active",
        },
    )
    provider = ServiceProvider.objects.get(name="Jessore Sanitation Co")
    assert response.status_code == 302
    assert response["Location"] == f"{M}/providers/{provider.pk}/"
    assert list(provider.wards.values_list("number", flat=True)) == [1]
    event = _audited("fsm.provider.create", provider)
    assert event.actor_username == "fsm_manager"
    response = manager.post(
        f"{M}/providers/{provider.pk}/",
        {"name": "Jessore Sanitation Co", "licence_number": "LIC-78", "status": "suspended"},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.status == "suspended" and provider.licence_number == "LIC-78"
    assert not provider.wards.exists()
    changes = _audited("fsm.provider.update", provider).data["changes"]
    assert changes["status"] == ["active", "suspended"] and changes["wards"] == [[1], []]


def test_provider_validation_error(world, manager, in_a):
    count = ServiceProvider.objects.count()
    response = manager.post(
        f"{M}/providers/new/", {"name": world["provider"].name, "status": "active"}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ServiceProvider.objects.count() == count
    assert not AuditEvent.objects.filter(action="fsm.provider.create").exists()


def test_members_add_and_remove(world, manager, in_a):
    provider = world["other_provider"]
    extra = role_user_make("provider_extra", "service_provider")
    page = manager.get(f"{M}/providers/{provider.pk}/").content.decode()
    assert "provider_extra" in page and f">{world['caretaker'].username}" not in page
    response = manager.post(f"{M}/providers/{provider.pk}/members/", {"user": extra.pk})
    assert response.status_code == 302
    assert ProviderMember.objects.get(user_id=extra.pk).provider == provider
    assert _audited("fsm.provider.member", provider).data == {"user_id": extra.pk}
    # a user without the service provider role cannot be chosen
    response = manager.post(
        f"{M}/providers/{provider.pk}/members/", {"user": world["caretaker"].pk}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ProviderMember.objects.filter(user_id=world["caretaker"].pk).exists()
    response = manager.post(f"{M}/providers/{provider.pk}/members/{extra.pk}/remove/")
    assert response.status_code == 302
    assert not ProviderMember.objects.filter(user_id=extra.pk).exists()
    assert _audited("fsm.provider.member_remove", provider).data == {"user_id": extra.pk}


def test_employee_and_vehicle(world, manager, in_a):
    p = world["provider"].pk
    response = manager.post(
        f"{M}/providers/{p}/employees/new/",
        {"name": "Sohel", "role": "emptier", "trained_on": "2026-01-15", "status": "active"},
    )
    assert response.status_code == 302
    employee = Employee.objects.get(name="Sohel")
    assert employee.provider_id == p and employee.trained_on == datetime.date(2026, 1, 15)
    assert _audited("fsm.employee.create", employee)
    response = manager.post(
        f"{M}/providers/{p}/employees/{employee.pk}/",
        {"name": "Sohel", "role": "emptier", "status": "inactive"},
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.status == "inactive"
    assert manager.post(f"{M}/providers/{p}/employees/new/", {"name": "X"}).status_code == 200

    response = manager.post(
        f"{M}/providers/{p}/vehicles/new/",
        {
            "plate": "khulna  ha 11-0099",
            "capacity_m3": "2.5",
            "width_m": "1.4",
            "status": "in_service",
        },
    )
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(plate="KHULNA HA 11-0099")
    assert vehicle.width_m == Decimal("1.40")
    assert _audited("fsm.vehicle.create", vehicle).data["provider_id"] == p
    assert (
        f"{M}/providers/{p}/vehicles/{vehicle.pk}/"
        in manager.get("/staff/fsm/vehicles/").content.decode()
    )
    response = manager.post(
        f"{M}/providers/{p}/vehicles/{vehicle.pk}/",
        {"plate": vehicle.plate, "capacity_m3": "2.5", "width_m": "1.4", "status": "maintenance"},
    )
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.status == "maintenance"
    # a duplicate plate is refused on the form
    response = manager.post(
        f"{M}/providers/{p}/vehicles/new/",
        {
            "plate": world["other_vehicle"].plate,
            "capacity_m3": "3",
            "width_m": "1.8",
            "status": "in_service",
        },
    )
    assert response.status_code == 200 and "already exists" in response.content.decode()
    # another provider's vehicle is not reachable under this provider
    other = world["other_vehicle"].pk
    assert manager.get(f"{M}/providers/{p}/vehicles/{other}/").status_code == 404


def test_plant_create_with_caretaker(world, manager, in_a):
    keeper = role_user_make("caretaker_new", "caretaker")
    data = {
        "name": "Batiaghata FSTP",
        "kind": "drying_beds",
        "latitude": "22.7321",
        "longitude": "89.5102",
        "capacity_m3_per_day": "40",
        "caretaker": keeper.pk,
        "status": "active",
    }
    response = manager.post(f"{M}/plants/new/", data)
    plant = TreatmentPlant.objects.get(name="Batiaghata FSTP")
    assert response.status_code == 302 and response["Location"] == f"/staff/fsm/plants/{plant.pk}/"
    assert plant.caretaker_id == keeper.pk
    assert round(plant.location.y, 4) == 22.7321 and round(plant.location.x, 4) == 89.5102
    assert _audited("fsm.plant.create", plant)
    assert _audited("fsm.plant.caretaker", plant).data == {"user_id": keeper.pk}
    page = manager.get(f"{M}/plants/{plant.pk}/").content.decode()
    assert 'value="22.732100"' in page
    # outside Bangladesh, and a non-caretaker as caretaker: refused
    response = manager.post(f"{M}/plants/new/", {**data, "name": "Far", "latitude": "51.5"})
    assert response.status_code == 200 and "outside Bangladesh" in response.content.decode()
    response = manager.post(
        f"{M}/plants/new/", {**data, "name": "Far", "caretaker": world["manager"].pk}
    )
    assert response.status_code == 200
    assert not TreatmentPlant.objects.filter(name="Far").exists()


def test_effluent_test_shows_pass_and_fail(world, manager, in_a):
    EffluentStandard.objects.update_or_create(
        parameter="bod", defaults={"minimum": None, "maximum": Decimal("50")}
    )
    plant = world["plant"]
    page = manager.get(f"{M}/plants/{plant.pk}/tests/new/").content.decode()
    assert "at most 50" in page
    response = manager.post(
        f"{M}/plants/{plant.pk}/tests/new/",
        {"sampled_on": "2026-11-02", "ph": "7.1", "bod": "80"},
        follow=True,
    )
    html = response.content.decode()
    assert "Outside the standards: BOD (mg/l)" in html and "fails" in html
    test = EffluentTest.objects.get(plant=plant)
    assert _audited("fsm.effluent_test.create", test).data["failures"] == ["bod"]
    response = manager.post(f"{M}/plants/{plant.pk}/tests/new/", {"sampled_on": "2026-11-03"})
    assert response.status_code == 200 and "at least one measurement" in response.content.decode()
    response = manager.post(
        f"{M}/plants/{plant.pk}/tests/new/", {"sampled_on": "2099-01-01", "ph": "7"}
    )
    assert response.status_code == 200 and "in the future" in response.content.decode()
    assert EffluentTest.objects.filter(plant=plant).count() == 1


def test_standards_by_the_municipal_admin(world, client_a, tenant_a, in_a):
    admin = login(client_a, tenant_a, "municipal_admin")
    page = admin.get(f"{M}/standards/").content.decode()
    assert 'name="bod_maximum"' in page and 'value="30.00"' in page  # the seeded limit
    limits = {"ph_minimum": "6.5", "ph_maximum": "8.5", "bod_maximum": "40", "cod_maximum": "200"}
    response = admin.post(f"{M}/standards/", limits)
    assert response.status_code == 302
    ph = EffluentStandard.objects.get(parameter="ph")
    assert (ph.minimum, ph.maximum) == (Decimal("6.5"), Decimal("8.5"))
    assert _audited("fsm.effluent_standard.update", ph).data == {
        "parameter": "ph",
        "from": ["6.00", "9.00"],
        "to": ["6.5", "8.5"],
    }
    assert EffluentStandard.objects.get(parameter="tss").maximum is None  # left blank
    # pH, BOD, TSS and E. coli changed; COD kept its limit and records nothing
    changed = AuditEvent.objects.filter(action="fsm.effluent_standard.update")
    assert sorted(e.data["parameter"] for e in changed) == ["bod", "ecoli", "ph", "tss"]
    admin.post(f"{M}/standards/", {**limits, "ph_minimum": "6.50"})
    assert changed.count() == 4  # the same limits again: nothing new
    response = admin.post(f"{M}/standards/", {"ph_minimum": "9", "ph_maximum": "6"})
    assert response.status_code == 200 and "must not be below" in response.content.decode()
    ph.refresh_from_db()
    assert ph.maximum == Decimal("8.5")


def test_containment_create_and_edit(world, manager, in_a):
    second = building_make(world["manager"], ward=1, index=5)
    first = world["building"]
    data = {
        "containment_type": world["containment"].containment_type_id,
        "volume_m3": "3.5",
        "constructed_on": "2021-03-01",
        "latitude": "22.81",
        "longitude": "89.55",
        "buildings": f"{first.bin}, {second.bin}",
        "responsible": second.bin,
        "households_served": "3",
        "population_served": "14",
        "toilets": "2",
        "well_distance_m": "12.5",
        "emptying_frequency_years": "2",
    }
    response = manager.post(f"{M}/containments/new/", data)
    assert response.status_code == 302
    containment = Containment.objects.latest("pk")
    assert response["Location"] == f"/staff/fsm/containments/{containment.code}/"
    assert containment.next_due_on == datetime.date(2023, 3, 1)
    links = dict(containment.containmentbuilding_set.values_list("building__bin", "responsible"))
    assert links == {first.bin: False, second.bin: True}
    assert _audited("fsm.containment.create", containment)
    page = manager.get(f"{M}/containments/{containment.code}/").content.decode()
    assert second.bin in page
    # edit: a new frequency recomputes the next due date; one building left
    response = manager.post(
        f"{M}/containments/{containment.code}/",
        {**data, "emptying_frequency_years": "5", "buildings": first.bin, "responsible": ""},
    )
    assert response.status_code == 302
    containment.refresh_from_db()
    assert containment.next_due_on == datetime.date(2026, 3, 1)
    assert list(
        containment.containmentbuilding_set.values_list("building__bin", "responsible")
    ) == [(first.bin, True)]
    changes = _audited("fsm.containment.update", containment).data["changes"]
    assert changes["emptying_frequency_years"] == [2, 5]
    # an unknown BIN is refused
    response = manager.post(f"{M}/containments/new/", {**data, "buildings": "NO-SUCH-BIN"})
    assert response.status_code == 200 and "NO-SUCH-BIN" in response.content.decode()
    assert Containment.objects.count() == 2


def test_sla_hours(world, manager, in_a):
    page = manager.get(f"{M}/settings/sla/").content.decode()
    assert "Default: 24 hours" in page
    response = manager.post(f"{M}/settings/sla/", {"submitted": "48", "emptied_off": "on"})
    assert response.status_code == 302
    config = FsmConfig.objects.get()
    assert config.sla_hours == {"submitted": 48, "emptied": None}
    hours = sla.sla_hours(config)
    assert hours["submitted"] == 48 and hours["emptied"] is None and hours["assessed"] == 72
    assert _audited("fsm.config.sla", config).data["to"] == {"submitted": 48, "emptied": None}
    response = manager.post(f"{M}/settings/sla/", {"submitted": "0"})
    assert response.status_code == 200
    response = manager.post(f"{M}/settings/sla/", {"submitted": "5", "submitted_off": "on"})
    assert response.status_code == 200 and "not both" in response.content.decode()
    config.refresh_from_db()
    assert config.sla_hours == {"submitted": 48, "emptied": None}


def test_fee_slabs_add_edit_delete_and_preview(world, manager, in_a):
    data = {
        "property_type": "commercial",
        "low_income": "unknown",
        "min_volume_m3": "0",
        "max_volume_m3": "",
        "base_amount": "5000",
        "per_m3_amount": "300",
        "per_extra_trip_amount": "1000",
        "active": "on",
    }
    response = manager.post(f"{M}/settings/fees/new/", data)
    assert response.status_code == 302
    slab = FeeSlab.objects.get(property_type="commercial", base_amount=5000)
    assert slab.low_income is None and slab.max_volume_m3 is None
    assert _audited("fsm.fee_slab.create", slab)
    page = manager.get(
        f"{M}/settings/fees/",
        {"property_type": "commercial", "volume_m3": "4", "trips": "2"},
    ).content.decode()
    # 5000 + 300 x 4 + 1000 x 1
    assert 'id="estimate"' in page and "7,200.00" in page and "extra trips" in page
    response = manager.post(f"{M}/settings/fees/{slab.pk}/", {**data, "base_amount": "5500"})
    assert response.status_code == 302
    slab.refresh_from_db()
    assert slab.base_amount == Decimal("5500")
    response = manager.post(
        f"{M}/settings/fees/{slab.pk}/", {**data, "min_volume_m3": "6", "max_volume_m3": "3"}
    )
    assert response.status_code == 200 and "must end above" in response.content.decode()
    pk = slab.pk
    assert manager.post(f"{M}/settings/fees/{pk}/delete/").status_code == 302
    assert not FeeSlab.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(action="fsm.fee_slab.delete", object_id=str(pk)).exists()


def test_pages_in_bangla(world, manager, in_a):
    manager.cookies["django_language"] = "bn"
    for path in (f"{M}/", f"{M}/settings/sla/", f"{M}/settings/fees/", f"{M}/providers/new/"):
        response = manager.get(path)
        assert response.status_code == 200, path
        assert 'lang="bn"' in response.content.decode(), path
    for path in (f"{M}/", f"{M}/providers/{world['provider'].pk}/"):
        html = manager.get(path).content.decode()
        assert "Records used by emptying jobs are never deleted" not in html, path
        assert "খালি করার কাজে ব্যবহৃত রেকর্ড কখনো মুছে ফেলা হয় না" in html, path
    kind = world["containment"].containment_type
    html = manager.get(f"{M}/containments/new/").content.decode()
    assert kind.name_bn in html and f">{kind.name_en}<" not in html

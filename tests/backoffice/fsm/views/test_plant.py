"""The caretaker: loads bound for their plant only; the confirmation closes
the job."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.conftest import login

F = "/staff/fsm"


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        return fsm_sample(tenant_a)


@pytest.fixture
def caretaker(client_a, tenant_a):
    return login(client_a, tenant_a, "caretaker")


def test_arrivals_only_at_own_plant(world, caretaker):
    html = caretaker.get(f"{F}/arrivals/").content.decode()
    assert world["emptied"].reference in html and "Rajbandh FSTP" in html
    assert world["elsewhere"].reference not in html
    assert world["scheduled"].reference not in html
    assert caretaker.get(f"{F}/arrivals/{world['elsewhere'].reference}/").status_code == 404
    assert caretaker.post(f"{F}/arrivals/{world['elsewhere'].reference}/", {}).status_code == 404


def test_disposal_closes_the_job(world, caretaker, tenant_a):
    load = world["emptied"]
    form = caretaker.get(f"{F}/arrivals/{load.reference}/").content.decode()
    assert 'value="2.80"' in form  # the emptied volume, to confirm
    response = caretaker.post(
        f"{F}/arrivals/{load.reference}/",
        {
            "dispose-disposed_volume_m3": "2.7",
            "dispose-disposal_vehicle": world["vehicle"].pk,
            "dispose-arrived_at": "2026-11-30T11:15",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        app = EmptyingApplication.objects.get(pk=load.pk)
    assert app.state == wf.CLOSED and app.disposed_volume_m3 == Decimal("2.7")
    assert app.plant_id == world["plant"].pk and app.disposal_confirmed_by_id is not None
    html = caretaker.get(f"{F}/arrivals/").content.decode()
    assert 'id="confirmed"' in html and load.reference in html
    # confirmed once: a second confirmation is not offered
    assert caretaker.get(f"{F}/arrivals/{load.reference}/").status_code == 404


def test_disposal_needs_volume_vehicle_and_time(world, caretaker, tenant_a):
    load = world["emptied"]
    response = caretaker.post(f"{F}/arrivals/{load.reference}/", {})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 3
    with schema_context(tenant_a.schema_name):
        assert EmptyingApplication.objects.get(pk=load.pk).state == wf.EMPTIED


def test_caretaker_of_no_plant_sees_nothing(world, caretaker, tenant_a):
    from backoffice.fsm.models import TreatmentPlant

    with schema_context(tenant_a.schema_name):
        TreatmentPlant.objects.update(caretaker_id=None)
    html = caretaker.get(f"{F}/arrivals/").content.decode()
    assert world["emptied"].reference not in html and "No treatment plant" in html


def test_tenant_b_caretaker_sees_nothing_of_tenant_a(world, client_b, tenant_b):
    other = login(client_b, tenant_b, "caretaker")
    assert world["emptied"].reference not in other.get(f"{F}/arrivals/").content.decode()
    assert other.get(f"{F}/arrivals/{world['emptied'].reference}/").status_code == 404


def test_a_load_naming_no_plant_is_received_at_the_caretakers(world, caretaker, tenant_a):
    load = world["emptied"]
    with schema_context(tenant_a.schema_name):
        EmptyingApplication.objects.filter(pk=load.pk).update(plant=None)
    assert load.reference in caretaker.get(f"{F}/arrivals/").content.decode()
    response = caretaker.post(
        f"{F}/arrivals/{load.reference}/",
        {
            "dispose-plant": world["plant"].pk,
            "dispose-disposed_volume_m3": "2.8",
            "dispose-disposal_vehicle": world["vehicle"].pk,
            "dispose-arrived_at": "2026-11-30T09:00",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        app = EmptyingApplication.objects.get(pk=load.pk)
    assert app.state == wf.CLOSED and app.plant_id == world["plant"].pk


def test_another_plant_cannot_be_named(world, caretaker, tenant_a):
    load = world["emptied"]
    with schema_context(tenant_a.schema_name):
        EmptyingApplication.objects.filter(pk=load.pk).update(plant=None)
    response = caretaker.post(
        f"{F}/arrivals/{load.reference}/",
        {
            "dispose-plant": world["other_plant"].pk,
            "dispose-disposed_volume_m3": "2.8",
            "dispose-disposal_vehicle": world["vehicle"].pk,
            "dispose-arrived_at": "2026-11-30T09:00",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()

"""Help desk intake: phone and walk-in applications by holding code (Bangla
digits too) or BIN."""

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.conftest import login

URL = "/staff/fsm/intake/"


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        return fsm_sample(tenant_a)


def _latest(tenant):
    with schema_context(tenant.schema_name):
        return EmptyingApplication.objects.order_by("-pk").first()


def test_phone_application_by_holding_code_in_bangla_digits(world, client_a, tenant_a):
    clerk = login(client_a, tenant_a, "fsm_manager")
    response = clerk.post(
        URL,
        {
            "holding_code": "০১-০০১-০০০১-০০",
            "applicant_name": "রহিম উদ্দিন",
            "applicant_phone": "০১৮১২৩৪৫৬৭৮",
            "channel": "phone",
        },
    )
    app = _latest(tenant_a)
    assert response.status_code == 302 and response["Location"].endswith(f"/{app.reference}/")
    assert app.state == wf.SUBMITTED and app.applied_by_channel == "phone"
    assert app.holding_id == world["holding"].pk and app.building_id == world["building"].pk
    assert app.containment_id == world["containment"].pk
    assert app.applicant_phone == "+8801812345678" and app.applicant_name == "রহিম উদ্দিন"
    page = clerk.get(response["Location"]).content.decode()
    assert app.reference in page and "By phone" in page


def test_walk_in_by_bin(world, client_a, tenant_a):
    clerk = login(client_a, tenant_a, "municipal_admin")
    response = clerk.post(
        URL,
        {
            "bin": world["building"].bin.lower(),
            "applicant_name": "Karim",
            "applicant_phone": "01912345678",
            "channel": "walk_in",
        },
    )
    assert response.status_code == 302
    app = _latest(tenant_a)
    assert app.building_id == world["building"].pk and app.holding_id == world["holding"].pk
    assert app.applied_by_channel == "walk_in"


@pytest.mark.parametrize(
    "data,message",
    [
        ({}, "Give the holding code or the BIN."),
        ({"holding_code": "01-001-0009-00"}, "No active holding has this code."),
        ({"holding_code": "01-0A1"}, "A holding code has digits only"),
        ({"bin": "KHU-9999999"}, "No building has this BIN."),
        ({"holding_code": "01-001-0001-00", "applicant_phone": "12345"}, "Bangladeshi mobile"),
    ],
)
def test_intake_errors_change_nothing(world, client_a, tenant_a, data, message):
    clerk = login(client_a, tenant_a, "fsm_manager")
    before = _latest(tenant_a).pk
    post = {"applicant_name": "Karim", "applicant_phone": "01712345678", "channel": "phone"}
    response = clerk.post(URL, {**post, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _latest(tenant_a).pk == before


def test_tenant_b_does_not_find_tenant_a_holdings(world, client_b, tenant_b):
    clerk = login(client_b, tenant_b, "fsm_manager")
    response = clerk.post(
        URL,
        {
            "holding_code": "01-001-0001-00",
            "applicant_name": "Karim",
            "applicant_phone": "01712345678",
            "channel": "phone",
        },
    )
    assert response.status_code == 200
    assert "No active holding has this code." in response.content.decode()

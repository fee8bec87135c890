"""GET /api/v1/bills/<NUMBER>/pdf and /api/v1/bills/?holding=CODE with a
staff API token (maps.tokens): roles, 401/403/404/400, tenant isolation."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from maps.tokens import api_token_create
from tenants.audit.models import AuditEvent
from tests.backoffice.billing.pdf_support import OWNER_EN, issued_sample, pdf_text
from tests.conftest import staff_user
from tests.support.tenancy import host_of

PDF = "/api/v1/bills/2026-Q4-000001/pdf"
LIST = "/api/v1/bills/"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        return issued_sample(tenant_a)


def token_of(tenant, role: str) -> str:
    with schema_context(tenant.schema_name):
        user = staff_user(tenant, role)
        return api_token_create(user=user, actor=user)


def api(tenant, token: str | None = None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return Client(HTTP_HOST=host_of(tenant.code), **headers)


def test_pdf_with_a_revenue_token(sample_a, tenant_a):
    response = api(tenant_a, token_of(tenant_a, "revenue_collector")).get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF") and b"/ByteRange" in data
    assert OWNER_EN in pdf_text(data)  # the staff copy names the owner
    with schema_context(tenant_a.schema_name):
        assert AuditEvent.objects.filter(action="billing.bill_pdf_read").count() == 1


def test_list_by_holding_code_in_any_spelling(sample_a, tenant_a):
    client = api(tenant_a, token_of(tenant_a, "revenue_chief"))
    for raw in ("01-001-0003-00", "০১-০০১-০০০৩-০০", "01 001 0003 00"):
        response = client.get(LIST, {"holding": raw})
        assert response.status_code == 200, raw
        body = response.json()
        assert body["holding"] == "01-001-0003-00"
        assert [b["number"] for b in body["results"]] == ["2026-Q4-000001"]
    row = body["results"][0]
    assert row["total"] == "102000.00" and row["rebate"] == "10200.00"
    assert row["period"] == "2026-Q4" and row["status"] == "issued"
    assert row["pdf"] == PDF and row["verify"] == "/bills/verify/2026-Q4-000001/"
    assert client.get(LIST, {"holding": "01-001-9999-00"}).json()["results"] == []
    assert client.get(LIST, {"holding": "nonsense"}).status_code == 400
    assert client.get(LIST).status_code == 400


@pytest.mark.parametrize("role", ["viewer", "fsm_manager", "gis_officer", "water_officer"])
def test_other_roles_are_refused(sample_a, tenant_a, role):
    client = api(tenant_a, token_of(tenant_a, role))
    assert client.get(PDF).status_code == 403
    assert client.get(LIST, {"holding": "01-001-0003-00"}).status_code == 403


def test_no_or_bad_token_is_401(sample_a, tenant_a):
    assert api(tenant_a).get(PDF).status_code == 401
    response = api(tenant_a, "imis_not-a-token").get(PDF)
    assert response.status_code == 401 and "Token" in response["WWW-Authenticate"]


def test_unknown_number_is_404(sample_a, tenant_a):
    client = api(tenant_a, token_of(tenant_a, "municipal_admin"))
    assert client.get("/api/v1/bills/2026-Q4-999999/pdf").status_code == 404


def test_one_municipality_token_and_bills_stay_there(sample_a, tenant_a, tenant_b):
    a_token = token_of(tenant_a, "revenue_chief")
    assert api(tenant_b, a_token).get(PDF).status_code == 401  # unknown in jashore
    b_client = api(tenant_b, token_of(tenant_b, "revenue_chief"))
    assert b_client.get(PDF).status_code == 404  # jashore has no such bill
    assert b_client.get(LIST, {"holding": "01-001-0003-00"}).json()["results"] == []

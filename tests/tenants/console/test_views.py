from unittest import mock

import pytest
from django_tenants.utils import schema_exists

from tenants.audit.models import AuditEvent
from tenants.models import Municipality
from tests.support.tenancy import PASSWORD

FORM = {
    "code": "kushtia",
    "name_en": "Kushtia Paurashava",
    "name_bn": "কুষ্টিয়া পৌরসভা",
    "kind": "paurashava",
    "domain": "",
    "modules": ["buildings", "fsm"],
    "admin_username": "kushtia_admin",
    "admin_email": "admin@kushtia.example.org",
    "admin_password": "Kushtia-Str0ng-pass",
}


def test_console_requires_an_operator(console_client):
    response = console_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_operator_signs_in_on_the_console(console_client):
    response = console_client.post("/login/", {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    page = console_client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "khulna.localhost" in html and "jashore.localhost" in html
    assert "imis_template" not in html


def test_staff_of_a_municipality_cannot_use_the_console_login(client_a):
    assert client_a.get("/login/", follow=True).status_code == 404


def test_dashboard_query_count_does_not_grow_with_municipalities(operator_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.services import municipality_register

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert operator_client.get("/").status_code == 200
        return len(queries)

    before = count()
    for code in ("extra1", "extra2", "extra3"):
        municipality_register(
            actor=None,
            code=code,
            name_en=code,
            name_bn=code,
            kind="paurashava",
            domains=[f"{code}.localhost"],
        )
    assert count() == before <= 9


def test_create_registers_and_queues_provisioning_outside_the_request(
    operator_client, django_capture_on_commit_callbacks
):
    with (
        mock.patch("tenants.console.views.municipality_provision_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = operator_client.post("/municipalities/new/", FORM)
    assert response.status_code == 302 and response["Location"] == "/municipalities/kushtia/"
    municipality = Municipality.objects.get(code="kushtia")
    assert not municipality.ready and not schema_exists("kushtia")  # no schema in a request
    assert municipality.get_primary_domain().domain == "kushtia.localhost"
    (mid, username, email, password_hash), _ = delay.call_args
    assert (mid, username) == (municipality.pk, "kushtia_admin")
    assert "Kushtia-Str0ng-pass" not in password_hash  # only a hash travels
    assert AuditEvent.objects.filter(action="municipality.register").exists()
    detail = operator_client.get("/municipalities/kushtia/").content.decode()
    assert 'data-status="provisioning"' in detail and 'http-equiv="refresh"' in detail


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "khulna"}, "code", "already exists"),
        ({"domain": "jashore.localhost"}, "domain", "already belongs"),
        ({"code": "public"}, "code", "reserved"),
        ({"admin_password": "123"}, "admin_password", "too short"),
    ],
)
def test_create_refuses_with_a_clear_message(operator_client, change, field, message):
    before = Municipality.objects.count()
    response = operator_client.post("/municipalities/new/", {**FORM, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert Municipality.objects.count() == before


def test_create_error_is_translated_to_bangla(operator_client):
    operator_client.cookies["django_language"] = "bn"
    response = operator_client.post("/municipalities/new/", {**FORM, "code": "khulna"})
    text = " ".join(response.context["form"].errors["code"])
    assert "already exists" not in text and "khulna" in text


def test_operator_switches_modules(operator_client, tenant_a):
    response = operator_client.post("/municipalities/khulna/", {"modules": ["fsm", "water"]})
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.modules == ["fsm", "water"]
    event = AuditEvent.objects.get(action="municipality.modules")
    assert event.data["after"] == ["fsm", "water"] and event.actor_username == "operator"


def test_unknown_module_is_refused(operator_client, tenant_a):
    response = operator_client.post("/municipalities/khulna/", {"modules": ["casino"]})
    assert response.status_code == 200
    tenant_a.refresh_from_db()
    assert "casino" not in tenant_a.modules


def test_health_on_console_and_municipality(console_client, client_a):
    for client, schema in ((console_client, "public"), (client_a, "khulna")):
        body = client.get("/health/").json()
        assert body == {"schema": schema, "database": "ok", "cache": "ok", "status": "ok"}

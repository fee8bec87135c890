"""API tokens: made on the profile page (shown once), printed by the tenant
command, sent as ``Authorization: Token``; revoked and other municipalities'
tokens are refused; only a hash is stored."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from maps.models import ApiToken
from maps.tokens import api_token_create, api_token_revoke
from tests.backoffice.registry.factories import registry_sample
from tests.conftest import login, staff_user
from tests.maps.helpers import cache_clear
from tests.support.tenancy import host_of


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def _token(tenant, username: str) -> str:
    with schema_context(tenant.schema_name):
        user = staff_user(tenant, username)
        return api_token_create(user=user, actor=user)


def _api(tenant, key: str) -> Client:
    return Client(HTTP_HOST=host_of(tenant.schema_name), HTTP_AUTHORIZATION=f"Token {key}")


def test_token_reads_the_api_with_the_users_roles(tenant_a):
    with schema_context(tenant_a.schema_name):
        registry_sample(staff_user(tenant_a, "gis_officer"))
    client = _api(tenant_a, _token(tenant_a, "viewer"))
    items = client.get("/ogc/collections/buildings/items")
    assert items.status_code == 200 and items.json()["numberMatched"] == 3
    assert client.get("/ogc/collections/containments/items").status_code == 200
    collector = _api(tenant_a, _token(tenant_a, "revenue_collector"))
    assert collector.get("/ogc/collections/containments/items").status_code == 404


def test_only_a_hash_is_stored(tenant_a):
    key = _token(tenant_a, "gis_officer")
    with schema_context(tenant_a.schema_name):
        token = ApiToken.objects.get(user__username="gis_officer", revoked_at__isnull=True)
        assert key not in (token.key_hash, token.prefix) and key.startswith(token.prefix)


def test_revoked_and_replaced_tokens_are_refused(tenant_a):
    old = _token(tenant_a, "gis_officer")
    new = _token(tenant_a, "gis_officer")  # regenerating revokes the old one
    assert _api(tenant_a, old).get("/ogc/collections").status_code == 401
    assert _api(tenant_a, new).get("/ogc/collections").status_code == 200
    with schema_context(tenant_a.schema_name):
        user = staff_user(tenant_a, "gis_officer")
        assert api_token_revoke(user=user, actor=user) == 1
    assert _api(tenant_a, new).get("/ogc/collections").status_code == 401


def test_token_of_another_municipality_is_refused(tenant_a, tenant_b):
    key_b = _token(tenant_b, "gis_officer")
    assert _api(tenant_b, key_b).get("/ogc/collections").status_code == 200
    assert _api(tenant_a, key_b).get("/ogc/collections").status_code == 401


def test_bad_headers_are_401(tenant_a):
    client = Client(HTTP_HOST=host_of(tenant_a.schema_name))
    for header in ("Token nonsense", "Bearer abc", "Token "):
        assert client.get("/ogc/", HTTP_AUTHORIZATION=header).status_code == 401


def test_token_works_for_tiles(tenant_a):
    client = _api(tenant_a, _token(tenant_a, "viewer"))
    assert client.get("/tiles/buildings/16/1000/1000.mvt").status_code == 204


def test_profile_page_shows_a_new_token_once(client_a, tenant_a):
    login(client_a, tenant_a, "viewer")
    page = client_a.get("/staff/profile/")
    assert page.status_code == 200 and b"You have no API token." in page.content
    made = client_a.post("/staff/profile/", {"action": "create"})
    assert made.status_code == 200
    key = made.context["new_key"]
    assert key.encode() in made.content
    assert "no-store" in made["Cache-Control"] or "no-cache" in made["Cache-Control"]
    again = client_a.get("/staff/profile/")
    assert key.encode() not in again.content and key[:9].encode() in again.content
    assert _api(tenant_a, key).get("/ogc/").status_code == 200
    client_a.post("/staff/profile/", {"action": "revoke"})
    assert _api(tenant_a, key).get("/ogc/").status_code == 401
    assert b"You have no API token." in client_a.get("/staff/profile/").content


def test_profile_page_in_bangla(client_a, tenant_a):
    login(client_a, tenant_a, "viewer")
    page = client_a.get("/staff/profile/", HTTP_ACCEPT_LANGUAGE="bn")
    assert page.status_code == 200


def test_tenant_command_prints_a_token(tenant_a):
    out = io.StringIO()
    call_command("tenant_command", "api_token", "gis_officer", schema_name="khulna", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("imis_")
    assert _api(tenant_a, key).get("/ogc/collections").status_code == 200

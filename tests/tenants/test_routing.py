"""Host -> municipality routing."""

from django.test import Client, override_settings

from tenants import middleware
from tenants.services import municipality_register


def test_unknown_host_is_not_found(db):
    assert Client(HTTP_HOST="nowhere.localhost").get("/ping/").status_code == 404


def test_a_municipality_being_provisioned_answers_503(db):
    municipality_register(
        actor=None,
        code="gazipur",
        name_en="Gazipur City Corporation",
        name_bn="গাজীপুর সিটি কর্পোরেশন",
        kind="city_corporation",
        domains=["gazipur.localhost"],
    )
    response = Client(HTTP_HOST="gazipur.localhost").get("/en/")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "গাজীপুর সিটি কর্পোরেশন" in response.content.decode()


def test_console_and_municipality_routes_are_separate(client_a, console_client):
    assert client_a.get("/municipalities/new/").status_code in (302, 404)
    assert console_client.get("/staff/").status_code == 404


@override_settings(IMIS_TENANT_CACHE_SECONDS=60)
def test_host_lookup_is_remembered_per_process(client_a, django_assert_num_queries):
    middleware.tenant_host_cache_clear()
    try:
        client_a.get("/ping/")
        with django_assert_num_queries(0):
            assert client_a.get("/ping/").status_code == 200
    finally:
        middleware.tenant_host_cache_clear()


def test_a_missing_staff_url_is_404_not_a_language_redirect(client_a):
    for path in ("/staff/nothing-here/", "/media/khulna/none.txt"):
        assert client_a.get(path).status_code == 404, path
    assert client_a.get("/").status_code == 302  # the public site still picks a language


@override_settings(IMIS_TENANT_CACHE_SECONDS=60)
def test_cached_routing_switches_between_municipalities(client_a, client_b, console_client):
    middleware.tenant_host_cache_clear()
    try:
        for _ in range(2):  # the second round is served from the cache
            assert client_a.get("/health/").json()["schema"] == "khulna"
            assert client_b.get("/health/").json()["schema"] == "jashore"
            assert console_client.get("/health/").json()["schema"] == "public"
            assert console_client.get("/login/").status_code == 200  # public URLconf
            assert client_a.get("/login/", follow=True).status_code == 404
    finally:
        middleware.tenant_host_cache_clear()


@override_settings(IMIS_TENANT_CACHE_SECONDS=60)
def test_a_municipality_is_not_remembered_while_being_provisioned(db):
    from tenants.models import Municipality

    middleware.tenant_host_cache_clear()
    try:
        municipality_register(
            actor=None,
            code="benapole",
            name_en="Benapole",
            name_bn="বেনাপোল",
            kind="paurashava",
            domains=["benapole.localhost"],
        )
        client = Client(HTTP_HOST="benapole.localhost")
        assert client.get("/ping/").status_code == 503
        Municipality.objects.filter(code="benapole").update(ready=True)
        assert client.get("/ping/").status_code == 200
    finally:
        middleware.tenant_host_cache_clear()

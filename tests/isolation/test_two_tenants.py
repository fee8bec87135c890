"""Nothing of one municipality is visible from the other: users, pages,
files, cache, sessions."""

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from tests.conftest import login
from tests.support.tenancy import PASSWORD


def test_staff_cannot_sign_into_another_municipality(client_a, client_b):
    response = client_a.post("/staff/login/", {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    # the same username exists in jashore, but with jashore's own user row
    with schema_context("jashore"):
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(username="viewer").update(password="!")
    response = client_b.post("/staff/login/", {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 200  # form shown again with an error
    assert "/staff/" not in response.get("Location", "")


def test_a_session_from_one_host_is_unknown_on_the_other(tenant_a, client_a, client_b):
    login(client_a, tenant_a, "fsm_manager")
    assert client_a.get("/staff/").status_code == 200
    client_b.cookies = client_a.cookies  # a stolen cookie replayed on another host
    response = client_b.get("/staff/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_operators_cannot_sign_into_a_municipality(client_a):
    response = client_a.post("/staff/login/", {"username": "operator", "password": PASSWORD})
    assert response.status_code == 200


def test_each_host_serves_its_own_pages(client_a, client_b):
    page_a = client_a.get("/en/").content.decode()
    page_b = client_b.get("/bn/").content.decode()
    assert "Khulna City Corporation" in page_a and "Jashore" not in page_a
    assert "যশোর পৌরসভা" in page_b and "খুলনা" not in page_b


def test_files_are_stored_per_schema(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        name = default_storage.save("isolation/probe.txt", ContentFile(b"khulna only"))
        path_a = default_storage.path(name)
    try:
        with schema_context(tenant_b.schema_name):
            assert not default_storage.exists(name)
            assert default_storage.path(name) != path_a
        assert "/khulna/" in path_a
    finally:
        with schema_context(tenant_a.schema_name):
            default_storage.delete(name)


def test_cache_keys_are_per_schema(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        cache.set("isolation-probe", "khulna", 30)
    try:
        with schema_context(tenant_b.schema_name):
            assert cache.get("isolation-probe") is None
            cache.set("isolation-probe", "jashore", 30)
        with schema_context(tenant_a.schema_name):
            assert cache.get("isolation-probe") == "khulna"
    finally:
        for schema in (tenant_a.schema_name, tenant_b.schema_name):
            with schema_context(schema):
                cache.delete("isolation-probe")


def test_users_are_separate_rows(tenant_a, tenant_b):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    with schema_context(tenant_a.schema_name):
        User.objects.create_user("only_in_khulna", password="x-Passw0rd-long")
        assert User.objects.filter(username="only_in_khulna").exists()
    with schema_context(tenant_b.schema_name):
        assert not User.objects.filter(username="only_in_khulna").exists()


def test_media_urls_answer_only_on_their_own_host(tenant_a, client_a, client_b):
    with schema_context(tenant_a.schema_name):
        name = default_storage.save("isolation/notice.txt", ContentFile(b"khulna notice"))
        url = default_storage.url(name)
    try:
        assert url.startswith("/media/khulna/")
        response = client_a.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"khulna notice"
        assert client_b.get(url).status_code == 404
        assert client_b.get(url.replace("/khulna/", "/jashore/")).status_code == 404
        assert client_a.get("/media/khulna/../jashore/x").status_code in (400, 404)
    finally:
        with schema_context(tenant_a.schema_name):
            default_storage.delete(name)


def test_private_documents_are_not_served_from_media(tenant_a, client_a):
    with schema_context(tenant_a.schema_name):
        name = default_storage.save("documents/staff-manual.pdf", ContentFile(b"%PDF private"))
        url = default_storage.url(name)
    try:
        assert client_a.get(url).status_code == 404
    finally:
        with schema_context(tenant_a.schema_name):
            default_storage.delete(name)


def test_sign_in_is_throttled_per_municipality(tenant_a, client_a, client_b):
    from django.core.cache import cache

    try:
        for _ in range(5):
            client_a.post("/staff/login/", {"username": "viewer", "password": "wrong"})
        blocked = client_a.post("/staff/login/", {"username": "viewer", "password": PASSWORD})
        assert blocked.status_code == 200 and "Too many failed" in blocked.content.decode()
        # jashore counts its own users: its viewer still signs in
        ok = client_b.post("/staff/login/", {"username": "viewer", "password": PASSWORD})
        assert ok.status_code == 302
    finally:
        for schema in ("khulna", "jashore"):
            with schema_context(schema):
                cache.delete_many(["signin-fail:user:viewer", "signin-fail:addr:127.0.0.1"])


def test_operator_sign_in_is_throttled(console_client):
    from django.core.cache import cache

    try:
        for _ in range(5):
            console_client.post("/login/", {"username": "operator", "password": "wrong"})
        blocked = console_client.post("/login/", {"username": "operator", "password": PASSWORD})
        assert blocked.status_code == 200 and "Too many failed" in blocked.content.decode()
    finally:
        with schema_context("public"):
            cache.delete_many(["signin-fail:user:operator", "signin-fail:addr:127.0.0.1"])

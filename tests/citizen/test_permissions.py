"""Permission matrix of the public FSM pages: open to everyone (no account),
the same for every staff role; steps that need an earlier step send the
visitor back; a municipality without the FSM module has no such pages."""

import pytest

from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

REF = "KHU-E2026-000001"


def rows() -> list[MatrixRow]:
    public = {"allowed": ALL_STAFF, "anonymous": 200}
    back = {"allowed": ALL_STAFF, "ok": 302, "anonymous": 302}
    return [
        MatrixRow("/en/fsm/apply/", **public),
        MatrixRow("/bn/fsm/apply/", **public),
        MatrixRow("/en/fsm/track/", **public),
        MatrixRow("/bn/fsm/track/", **public),
        MatrixRow("/en/fsm/apply/verify/", **back),
        MatrixRow("/en/fsm/apply/confirm/", **back),
        MatrixRow("/en/fsm/apply/done/", **back),
        MatrixRow("/en/fsm/track/verify/", **back),
        MatrixRow(f"/en/fsm/status/{REF}/", **back),
        MatrixRow(
            f"/en/fsm/status/{REF}/cancel/",
            method="post",
            allowed=ALL_STAFF,
            ok=404,
            denied=404,
            anonymous=404,
        ),
        MatrixRow(
            f"/en/fsm/status/{REF}/feedback/",
            method="post",
            allowed=ALL_STAFF,
            ok=404,
            denied=404,
            anonymous=404,
        ),
        MatrixRow(
            f"/en/fsm/status/{REF}/resubmit/",
            method="post",
            allowed=ALL_STAFF,
            ok=404,
            denied=404,
            anonymous=404,
        ),
        MatrixRow(
            f"/en/fsm/status/{REF}/cancel/", allowed=ALL_STAFF, ok=405, denied=405, anonymous=405
        ),
    ]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_public_fsm_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    assert_role_matrix(tenant, host_of(tenant.code), rows())


def test_the_home_page_links_to_the_fsm_pages(client_a):
    page = client_a.get("/bn/").content.decode()
    assert 'href="/bn/fsm/apply/"' in page and 'href="/bn/fsm/track/"' in page


def test_no_pages_where_fsm_is_switched_off(tenant_b, client_b):
    from tenants.middleware import tenant_host_cache_clear
    from tenants.models import Municipality

    Municipality.objects.filter(pk=tenant_b.pk).update(
        modules=[m for m in tenant_b.modules if m != "fsm"]
    )
    tenant_host_cache_clear()
    try:
        assert client_b.get("/en/fsm/apply/").status_code == 404
        assert client_b.get("/en/fsm/track/").status_code == 404
        assert "/fsm/apply/" not in client_b.get("/en/").content.decode()
    finally:
        tenant_host_cache_clear()

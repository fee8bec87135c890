"""Role matrix for every page of the registry's staff UI, on both tenants.

Reads: every staff role but the communications officer.  Writes: buildings
by GIS officers, holdings and owners by revenue staff, merge and split by
the revenue chief; the municipal admin does all.  Forms are posted blank:
an allowed role gets the form back with errors (200) and nothing changes."""

import pytest
from django_tenants.utils import schema_context

from backoffice.registry.models import ChangeRecord, Holding
from tests.backoffice.registry.factories import registry_sample
from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

READ = ALL_STAFF - {"communications_officer"}
GIS = {"gis_officer", "municipal_admin"}
REVENUE = {"revenue_chief", "revenue_collector", "municipal_admin"}
OWNER_READERS = {"revenue_chief", "revenue_collector", "municipal_admin"}
CHIEF = {"revenue_chief", "municipal_admin"}
R = "/staff/registry"
BLANK = {"note": ""}  # a bound form with every field blank: invalid, so nothing is written


def registry_rows(sample) -> list[MatrixRow]:
    b = sample["plain"].bin
    h = sample["home"].code
    o = sample["owner"].pk
    return [
        MatrixRow(f"{R}/", allowed=READ),
        MatrixRow(f"{R}/buildings/", allowed=READ),
        MatrixRow(f"{R}/buildings/", allowed=READ, data={"ward": "1", "has_holding": "yes"}),
        MatrixRow(f"{R}/buildings/{b}/", allowed=READ),
        MatrixRow(f"{R}/buildings/{b}/history/", allowed=READ),
        MatrixRow(f"{R}/buildings/new/", allowed=GIS),
        MatrixRow(f"{R}/buildings/new/", allowed=GIS, method="post", data=BLANK),
        MatrixRow(f"{R}/buildings/{b}/edit/", allowed=GIS),
        MatrixRow(f"{R}/buildings/{b}/edit/", allowed=GIS, method="post", data=BLANK),
        MatrixRow(f"{R}/holdings/", allowed=READ),
        MatrixRow(f"{R}/holdings/", allowed=READ, data={"q": "০১-০০১"}),
        MatrixRow(f"{R}/holdings/{h}/", allowed=READ),
        MatrixRow(f"{R}/holdings/{h}/history/", allowed=READ),
        MatrixRow(f"{R}/holdings/new/", allowed=REVENUE),
        MatrixRow(f"{R}/holdings/new/", allowed=REVENUE, method="post", data=BLANK),
        MatrixRow(f"{R}/holdings/{h}/edit/", allowed=REVENUE),
        MatrixRow(f"{R}/holdings/{h}/edit/", allowed=REVENUE, method="post", data=BLANK),
        MatrixRow(f"{R}/holdings/{h}/owners/new/", allowed=REVENUE),
        MatrixRow(f"{R}/holdings/{h}/owners/new/", allowed=REVENUE, method="post", data=BLANK),
        MatrixRow(f"{R}/holdings/merge/", allowed=CHIEF),
        MatrixRow(f"{R}/holdings/merge/", allowed=CHIEF, method="post", data=BLANK),
        MatrixRow(f"{R}/holdings/{h}/split/", allowed=CHIEF),
        MatrixRow(f"{R}/holdings/{h}/split/", allowed=CHIEF, method="post", data=BLANK),
        MatrixRow(f"{R}/owners/{o}/", allowed=OWNER_READERS),
        MatrixRow(f"{R}/owners/{o}/edit/", allowed=REVENUE),
        MatrixRow(f"{R}/owners/{o}/edit/", allowed=REVENUE, method="post", data=BLANK),
        # read-only pages take no writes, whoever asks
        MatrixRow(f"{R}/buildings/", allowed=READ, method="post", ok=405),
        MatrixRow(f"{R}/holdings/{h}/", allowed=READ, method="post", ok=405),
    ]


# ``db`` is named here (not only reached through getfixturevalue) so that
# pytest-django sets up the test database even when this file runs alone.
@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_registry_role_matrix(db, which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = registry_sample()
        records = ChangeRecord.objects.count()
    assert_role_matrix(tenant, host_of(tenant.code), registry_rows(sample))
    with schema_context(tenant.schema_name):
        assert ChangeRecord.objects.count() == records  # no empty post wrote anything
        assert Holding.objects.filter(status="active").count() == 2


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_registry_is_gone_when_the_buildings_module_is_off(db, which, request):
    from django.test import Client

    from tenants.models import Municipality
    from tests.conftest import login

    tenant = request.getfixturevalue(which)
    Municipality.objects.filter(pk=tenant.pk).update(
        modules=[m for m in tenant.modules if m != "buildings"]
    )
    client = login(Client(HTTP_HOST=host_of(tenant.code)), tenant, "municipal_admin")
    for path in (f"{R}/", f"{R}/buildings/", f"{R}/holdings/new/"):
        assert client.get(path, follow=True).status_code == 404, path
    assert 'id="registry-link"' not in client.get("/staff/").content.decode()

"""Role matrix for every staff billing URL at /staff/billing/, on both
municipalities (print batches are in test_api_permissions.py)."""

import datetime

import pytest
from django_tenants.utils import schema_context

from backoffice.billing import exemptions, services
from backoffice.registry.models import Holding
from tests.backoffice.billing.test_services import billing_sample, period_make
from tests.conftest import staff_user
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

pytestmark = pytest.mark.django_db

REVENUE = {"revenue_chief", "revenue_collector", "municipal_admin"}
READERS = {*REVENUE, "viewer"}
EDITORS = REVENUE
CHIEF = {"revenue_chief"}
RATES = {"revenue_chief", "municipal_admin"}
COLLECTION = {"revenue_chief", "municipal_admin", "viewer"}
EXEMPTIONS = {"revenue_chief", "municipal_admin"}


def rows(run, period, exemption) -> list[MatrixRow]:
    base = "/staff/billing"
    days = {"start": "2026-01-01", "end": "2026-03-31", "grouping": "month"}
    return [
        MatrixRow(f"{base}/", allowed=READERS),
        MatrixRow(f"{base}/periods/new/", allowed=EDITORS),
        # The first editor prepares; the others are told it exists (both redirect).
        MatrixRow(f"{base}/periods/{period.pk}/prepare/", method="post", allowed=EDITORS, ok=302),
        MatrixRow(f"{base}/periods/{period.pk}/prepare/", allowed=EDITORS, ok=405),
        MatrixRow(f"{base}/runs/{run.pk}/", allowed=READERS),
        MatrixRow(f"{base}/runs/{run.pk}/progress/", allowed=READERS),
        MatrixRow(f"{base}/runs/{run.pk}/bills/", allowed=READERS),
        MatrixRow(f"{base}/runs/{run.pk}/approve/", method="post", allowed=CHIEF, ok=302),
        MatrixRow(f"{base}/runs/{run.pk}/approve/", allowed=CHIEF, ok=405),
        MatrixRow(f"{base}/runs/{run.pk}/issue/", method="post", allowed=EDITORS, ok=302),
        MatrixRow(f"{base}/rates/", allowed=READERS),
        MatrixRow(f"{base}/rates/residential/", allowed=RATES),
        MatrixRow(f"{base}/exemptions/", allowed=EXEMPTIONS),
        MatrixRow(f"{base}/exemptions/", allowed=EXEMPTIONS, data={"all": "on"}),
        MatrixRow(f"{base}/exemptions/new/", allowed=EXEMPTIONS),
        MatrixRow(f"{base}/exemptions/{exemption.pk}/end/", allowed=EXEMPTIONS),
        MatrixRow(f"{base}/dues/", allowed=REVENUE),
        MatrixRow(f"{base}/dues/", allowed=REVENUE, data={"ward": "1", "min_amount": "10"}),
        MatrixRow(f"{base}/dues.csv", allowed=REVENUE),
        MatrixRow(f"{base}/dues.xlsx", allowed=REVENUE),
        MatrixRow(f"{base}/collection/", allowed=COLLECTION),
        MatrixRow(f"{base}/collection/", allowed=COLLECTION, data=days),
        MatrixRow(f"{base}/collection.csv", allowed=COLLECTION, data=days),
        MatrixRow(f"{base}/collection.xlsx", allowed=COLLECTION, data=days),
    ]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_billing_staff_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        billing_sample(staff_user(tenant, "gis_officer"))
        run = services.bill_run_prepare(
            actor=staff_user(tenant, "revenue_collector"), period=period_make(2026, 3)
        )
        period = period_make(2026, 4)
        exemption = exemptions.exemption_grant(
            actor=staff_user(tenant, "revenue_chief"),
            holding=Holding.objects.order_by("code").first(),
            reason="other",
            starts_on=datetime.date(2026, 1, 1),
        )
    assert_role_matrix(tenant, host_of(tenant.code), rows(run, period, exemption))

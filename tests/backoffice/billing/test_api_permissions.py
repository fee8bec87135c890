"""Role matrix for every URL of the signed bills (API with a session, staff
print screens, public verification) on both municipalities."""

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf.models import PrintBatch
from tests.backoffice.billing.pdf_support import issued_sample
from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

REVENUE = {"revenue_chief", "revenue_collector", "municipal_admin"}
P = "/staff/billing/print"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    settings.IMIS_BILL_VERIFY_PER_WINDOW = 10_000


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_billing_pdf_role_matrix(db, which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = issued_sample(tenant)
        batch = PrintBatch.objects.create(run=sample["run"], ward=sample["home"].ward)
    number = sample["bill"].number
    rows = [
        MatrixRow(f"/api/v1/bills/{number}/pdf", allowed=REVENUE, anonymous=401),
        MatrixRow(
            "/api/v1/bills/", allowed=REVENUE, anonymous=401, data={"holding": "01-001-0003-00"}
        ),
        MatrixRow(f"{P}/", allowed=REVENUE),
        MatrixRow(f"{P}/", allowed=REVENUE, data={"run": sample["run"].pk}),
        # a post without a ward: the form comes back (400), nothing is queued
        MatrixRow(f"{P}/", allowed=REVENUE, method="post", data={"run": sample["run"].pk}, ok=400),
        MatrixRow(f"{P}/{batch.pk}/", allowed=REVENUE),
        MatrixRow(f"{P}/{batch.pk}/download/", allowed=REVENUE, ok=404),  # no file yet
        # public: everyone, signed in or not
        MatrixRow(f"/bills/verify/{number}/", allowed=ALL_STAFF, anonymous=200),
        MatrixRow("/bills/signing-certificate.pem", allowed=ALL_STAFF, anonymous=200),
    ]
    assert_role_matrix(tenant, host_of(tenant.code), rows)
    with schema_context(tenant.schema_name):
        assert PrintBatch.objects.count() == 1

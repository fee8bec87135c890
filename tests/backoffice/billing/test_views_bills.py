"""A bill's staff page: its figures for revenue staff and viewers; the
revenue chief issues a correction or a cancellation (a new document, the
bill marked cancelled), refused while the bill has valid receipts; others
get no form and 403 on POST; the other municipality does not know it."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.models import Bill
from backoffice.payments.services import counter_payment_record
from tests.backoffice.billing.pdf_support import issued_sample
from tests.conftest import login, staff_user
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

pytestmark = pytest.mark.django_db

READERS = {"revenue_chief", "revenue_collector", "municipal_admin", "viewer"}


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        sample = issued_sample(tenant_a)
        sample["number"] = sample["bill"].number
        sample["other"] = sample["ward2_bill"].number
    return sample


def test_the_chief_corrects_and_cancels_with_new_documents(tenant_a, client_a, in_a):
    login(client_a, tenant_a, "revenue_chief")
    url = f"/staff/billing/bills/{in_a['number']}/"
    page = client_a.get(url).content.decode()
    assert "bill-change-form" in page and in_a["number"] in page
    response = client_a.post(
        url, {"action": "correct", "annual_value": "1200000", "reason": "survey"}
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        old = Bill.objects.get(number=in_a["number"])
        correction = Bill.objects.get(replaces=old)
        assert old.status == Bill.Status.CANCELLED and correction.kind == Bill.Kind.CORRECTION
        assert correction.annual_value == Decimal("1200000")
    assert response["Location"].endswith(f"/staff/billing/bills/{correction.number}/")
    # A cancelled bill offers nothing more; the correction names what it replaces.
    assert "bill-change-form" not in client_a.get(url).content.decode()
    assert in_a["number"] in client_a.get(response["Location"]).content.decode()


def test_a_bill_with_receipts_is_refused_with_the_reason(tenant_a, client_a, in_a):
    with schema_context(tenant_a.schema_name):
        counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"),
            bill=Bill.objects.get(number=in_a["other"]),
            amount=Decimal("10"),
        )
    login(client_a, tenant_a, "revenue_chief")
    response = client_a.post(
        f"/staff/billing/bills/{in_a['other']}/", {"action": "cancel", "reason": "duplicate"}
    )
    assert response.status_code == 200 and "valid receipt" in response.content.decode()
    with schema_context(tenant_a.schema_name):
        assert Bill.objects.get(number=in_a["other"]).status == Bill.Status.ISSUED


def test_only_the_chief_changes_a_bill(tenant_a, tenant_b, client_a, client_b, in_a):
    url = f"/staff/billing/bills/{in_a['number']}/"
    rows = [
        MatrixRow(url, allowed=READERS),
        MatrixRow(url, method="post", allowed={"revenue_chief"}, ok=200),
    ]
    assert_role_matrix(tenant_a, host_of(tenant_a.code), rows)
    login(client_a, tenant_a, "revenue_collector")
    assert "bill-change-form" not in client_a.get(url).content.decode()
    login(client_b, tenant_b, "revenue_chief")
    assert client_b.get(url).status_code == 404

"""Role matrix for every payments URL, on both municipalities."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.payments import services
from backoffice.payments.models import PaymentTransaction
from tests.backoffice.payments.factories import bill_make
from tests.conftest import staff_user
from tests.support.role_matrix import ALL_STAFF, ANONYMOUS, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

# Explicit: the matrix asks for its tenant by name, so pytest-django would
# otherwise sort it after the browser tests, whose running event loop stops
# pyHanko (receipt PDF rows) from signing in this process.
pytestmark = pytest.mark.django_db

VIEWERS = {"revenue_collector", "revenue_chief", "municipal_admin"}
COUNTER = {"revenue_collector", "revenue_chief"}
EVERYONE = {*ALL_STAFF, ANONYMOUS}


def rows(bill, receipt, tran, held) -> list[MatrixRow]:
    public = {"allowed": EVERYONE, "anonymous": 200}
    return [
        MatrixRow("/staff/payments/", allowed=VIEWERS),
        MatrixRow("/staff/payments/", allowed=VIEWERS, data={"q": bill.number}),
        MatrixRow("/staff/payments/counter/", allowed=COUNTER),
        MatrixRow("/staff/payments/counter/", allowed=COUNTER, data={"bill": bill.number}),
        MatrixRow("/staff/payments/transactions/", allowed=VIEWERS),
        # No gateway runs here: the check is refused with a message, then back to the list.
        MatrixRow(
            f"/staff/payments/transactions/{tran.tran_id}/check/",
            method="post",
            allowed=VIEWERS,
            ok=302,
        ),
        MatrixRow(f"/staff/payments/transactions/{tran.tran_id}/check/", allowed=VIEWERS, ok=405),
        MatrixRow(
            f"/staff/payments/transactions/{held.tran_id}/release/",
            method="post",
            allowed={"revenue_chief"},
            ok=302,
        ),
        MatrixRow(f"/staff/payments/receipts/{receipt}/", allowed=VIEWERS),
        MatrixRow(f"/staff/payments/receipts/{receipt}/pdf/", allowed=VIEWERS),
        MatrixRow(f"/staff/payments/receipts/{receipt}/cancel/", allowed={"revenue_chief"}),
        # Public and gateway-facing: open to all, answers decided server-side.
        MatrixRow(f"/payments/pay/{bill.number}/", **public),
        MatrixRow(f"/payments/status/{tran.tran_id}/", **public),
        MatrixRow("/payments/ipn/sslcommerz/", allowed=EVERYONE, ok=405, anonymous=405),
        MatrixRow(
            "/payments/ipn/sslcommerz/",
            method="post",
            data={"tran_id": tran.tran_id},
            allowed=EVERYONE,
            ok=400,  # no valid verify_sign
            anonymous=400,
        ),
    ]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_payments_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        if signing.signing_identity_active() is None:
            signing.demo_identity_ensure(tenant)
        bill = bill_make(total=Decimal("900.00"))
        payment = services.counter_payment_record(
            actor=staff_user(tenant, "revenue_collector"), bill=bill, amount=Decimal("100")
        )
        tran = PaymentTransaction.objects.create(
            bill=bill, gateway="sslcommerz", tran_id=f"IMISTEST{tenant.code}", amount=800
        )
        held = PaymentTransaction.objects.create(
            bill=bill_make(code="01-077-0002-00", total=Decimal("70.00")),
            gateway="sslcommerz",
            tran_id=f"IMISHELD{tenant.code}",
            amount=70,
            state="pending",
            held_for_review=True,
        )
    matrix = rows(bill, payment.receipt_number, tran, held)
    assert_role_matrix(tenant, host_of(tenant.code), matrix)
    with schema_context(tenant.schema_name):  # the chief's release recorded the payment
        held.refresh_from_db()
        assert held.state == "paid" and not held.held_for_review


def test_a_transaction_of_one_municipality_is_unknown_on_the_other(tenant_a, client_b):
    with schema_context(tenant_a.schema_name):
        bill = bill_make(total=Decimal("900.00"))
        PaymentTransaction.objects.create(
            bill=bill, gateway="ekpay", tran_id="IMISONLYKHULNA", amount=900
        )
    # (a 404 outside /<lang>/ is sent on to /<lang>/..., which is a 404 too)
    assert client_b.get("/payments/status/IMISONLYKHULNA/", follow=True).status_code == 404
    response = client_b.get(
        "/payments/return/ekpay/success/", {"transId": "IMISONLYKHULNA"}, follow=True
    )
    assert response.status_code == 404
    response = client_b.post(
        "/payments/ipn/ekpay/",
        data={"trnx_info": {"trnx_id": "IMISONLYKHULNA"}},
        content_type="application/json",
    )
    assert response.status_code == 400 and b"unknown transaction" in response.content
    assert client_b.get(f"/payments/pay/{bill.number}/", follow=True).status_code == 404

"""The citizen's bill documents: the public copy of a bill for anyone with
it (no owners' names); the owner's copy and the receipts only after a code
sent to a phone on record for the holding's owners (never shown whole);
one holding proved opens only that holding; two municipalities."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.payments import services as payments
from citizen.services import phone_normalise
from tenants.audit.models import AuditEvent
from tests.backoffice.billing.pdf_support import OWNER_EN, OWNER_PHONE, issued_sample, pdf_text
from tests.citizen.otp_support import code_from_outbox
from tests.conftest import staff_user
from tests.support.role_matrix import ALL_STAFF, ANONYMOUS, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    cache.clear()  # throttle counters start at zero
    yield


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        if signing.signing_identity_active() is None:
            signing.demo_identity_ensure(tenant_a)
        sample = issued_sample(tenant_a)
        sample["payment"] = payments.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"),
            bill=sample["bill"],
            amount=Decimal("500.00"),
            payer_name="Karim Mia",
        )
        sample["code"] = sample["home"].code
        sample["ward2_code"] = sample["ward2_bill"].holding.code
    return sample


def _prove(client, tenant, code: str) -> None:
    start = client.post(f"/en/pay/holding/{code}/", {"phone": "0"})
    assert start.status_code == 302 and start["Location"].endswith(f"/holding/{code}/verify/")
    with schema_context(tenant.schema_name):
        sms = code_from_outbox(phone_normalise(OWNER_PHONE))
    done = client.post(f"/en/pay/holding/{code}/verify/", {"code": sms})
    assert done.status_code == 302 and done["Location"].endswith(f"/holding/{code}/")


def test_public_copy_is_for_anyone_and_names_nobody(client_a, in_a):
    bill = in_a["bill"]
    lookup = client_a.get("/en/pay/", {"holding_code": in_a["code"]}).content.decode()
    assert f"/en/pay/bills/{bill.number}/pdf/" in lookup
    assert f"/en/pay/holding/{in_a['code']}/" in lookup
    response = client_a.get(f"/en/pay/bills/{bill.number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert in_a["code"] in text and OWNER_EN not in text


def test_owner_copy_and_receipts_after_a_code_to_the_phone_on_record(tenant_a, client_a, in_a):
    bill, payment = in_a["bill"], in_a["payment"]
    code = in_a["code"]
    start = client_a.get(f"/en/pay/holding/{code}/").content.decode()
    assert "********678" in start
    assert OWNER_PHONE not in start and OWNER_PHONE[-8:] not in start and OWNER_EN not in start
    # Before the code: the owner's documents send the citizen to the code step.
    for url in (
        f"/en/pay/owner/bills/{bill.number}/pdf/",
        f"/en/pay/owner/receipts/{payment.receipt_number}/pdf/",
    ):
        response = client_a.get(url)
        assert response.status_code == 302 and response["Location"].endswith(f"/holding/{code}/")
    # A wrong code is refused with a message.
    client_a.post(f"/en/pay/holding/{code}/", {"phone": "0"})
    wrong = client_a.post(f"/en/pay/holding/{code}/verify/", {"code": "000000"})
    assert wrong.status_code == 200 and "error" in wrong.content.decode()
    cache.clear()  # the resend interval is not what this test is about
    with schema_context(tenant_a.schema_name):
        from citizen.models import OneTimeCode

        OneTimeCode.objects.all().delete()
    _prove(client_a, tenant_a, code)
    page = client_a.get(f"/en/pay/holding/{code}/").content.decode()
    assert OWNER_EN in page and payment.receipt_number in page
    owner_copy = client_a.get(f"/en/pay/owner/bills/{bill.number}/pdf/")
    assert owner_copy.status_code == 200 and OWNER_EN in pdf_text(owner_copy.content)
    receipt = client_a.get(f"/en/pay/owner/receipts/{payment.receipt_number}/pdf/")
    assert receipt.status_code == 200 and "Karim Mia" in pdf_text(receipt.content)
    with schema_context(tenant_a.schema_name):
        assert AuditEvent.objects.filter(action="billing.owner_copy_opened").count() == 1
        assert AuditEvent.objects.filter(
            action="billing.bill_pdf_read", data__by="citizen"
        ).exists()
    # Proving one holding opens that holding only.
    other = in_a["ward2_bill"]
    response = client_a.get(f"/en/pay/owner/bills/{other.number}/pdf/")
    assert response.status_code == 302 and in_a["ward2_code"] in response["Location"]


def test_a_holding_without_a_phone_on_record_says_where_to_go(client_a, in_a):
    code = in_a["ward2_code"]
    page = client_a.get(f"/en/pay/holding/{code}/").content.decode()
    assert "No phone number is on record" in page
    assert client_a.post(f"/en/pay/holding/{code}/", {"phone": "0"}).status_code == 200


def test_the_other_municipality_knows_none_of_it(tenant_b, client_b, in_a):
    bill = in_a["bill"]
    assert client_b.get(f"/en/pay/bills/{bill.number}/pdf/").status_code == 404
    assert client_b.get(f"/en/pay/holding/{in_a['code']}/").status_code == 404
    assert client_b.get(f"/en/pay/owner/bills/{bill.number}/pdf/").status_code == 404


def test_the_bill_pages_are_open_to_everyone(tenant_a, in_a):
    code = in_a["code"]
    rows = [
        MatrixRow(f"/en/pay/holding/{code}/", allowed={*ALL_STAFF, ANONYMOUS}, anonymous=200),
        MatrixRow(
            f"/bn/pay/bills/{in_a['bill'].number}/pdf/",
            allowed={*ALL_STAFF, ANONYMOUS},
            anonymous=200,
        ),
    ]
    assert_role_matrix(tenant_a, host_of(tenant_a.code), rows)

"""Water bills on the citizen's pay page: the look-up links the public copy
(no holder's name) and the verification page; the owner's copy only after
the code to a phone on record; another municipality knows no number; the
permission matrix of the water bill documents' public URLs."""

import pytest
from django_tenants.utils import schema_context

from citizen.services import phone_normalise
from tests.backoffice.billing.pdf_support import pdf_text
from tests.backoffice.water.bill_pdf_support import HOLDING, OWNER_EN, OWNER_PHONE, water_a
from tests.citizen.otp_support import code_from_outbox
from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

__all__ = ["water_a"]  # a fixture


def _prove(client, tenant) -> None:
    client.post(f"/en/pay/holding/{HOLDING}/", {"phone": "0"})
    with schema_context(tenant.schema_name):
        sms = code_from_outbox(phone_normalise(OWNER_PHONE))
    client.post(f"/en/pay/holding/{HOLDING}/verify/", {"code": sms})


def test_lookup_links_the_public_copy_and_the_verification(client_a, water_a):
    number = water_a["november"].number
    for language in ("en", "bn"):
        html = client_a.get(f"/{language}/pay/", {"holding_code": HOLDING}).content.decode()
        assert f"/{language}/pay/bills/{number}/pdf/" in html, language
        assert f"/bills/verify/{number}/" in html and f"/{language}/pay/holding/{HOLDING}/" in html
    response = client_a.get(f"/en/pay/bills/{number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert HOLDING in text and "497.50" in text and OWNER_EN not in text


def test_owner_copy_after_the_code(tenant_a, client_a, water_a):
    number = water_a["november"].number
    owner_pdf = f"/en/pay/owner/bills/{number}/pdf/"
    response = client_a.get(owner_pdf)
    assert response.status_code == 302 and response["Location"].endswith(f"/holding/{HOLDING}/")
    _prove(client_a, tenant_a)
    page = client_a.get(f"/en/pay/holding/{HOLDING}/").content.decode()
    assert owner_pdf in page and water_a["metered"].number in page
    response = client_a.get(owner_pdf)
    assert response.status_code == 200 and OWNER_EN in pdf_text(response.content)


def test_a_cancellation_and_another_municipality_are_404(tenant_a, client_a, client_b, water_a):
    number = water_a["november"].number
    assert client_b.get(f"/en/pay/bills/{number}/pdf/").status_code == 404
    assert client_b.get(f"/en/pay/owner/bills/{number}/pdf/").status_code == 404
    assert client_a.get("/en/pay/bills/W209901-000001/pdf/").status_code == 404


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_water_bill_documents_role_matrix(which, request, settings, tmp_path):
    from django.core.cache import cache

    from tests.backoffice.water.bill_pdf_support import water_bills_issued

    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    settings.IMIS_BILL_VERIFY_PER_WINDOW = 10_000
    cache.clear()
    tenant = request.getfixturevalue(which)
    with schema_context(tenant.schema_name):
        sample = water_bills_issued(tenant)
    number = sample["november"].number
    revenue = {"revenue_chief", "revenue_collector", "municipal_admin"}
    office = {"water_officer", "municipal_admin", "revenue_chief", "revenue_collector", "viewer"}
    rows = [
        MatrixRow(f"/api/v1/bills/{number}/pdf", allowed=revenue, anonymous=401),
        MatrixRow("/api/v1/bills/", allowed=revenue, anonymous=401, data={"holding": HOLDING}),
        # public: everyone, signed in or not
        MatrixRow(f"/bills/verify/{number}/", allowed=ALL_STAFF, anonymous=200),
        MatrixRow(f"/en/pay/bills/{number}/pdf/", allowed=ALL_STAFF, anonymous=200),
        # the owner's copy: the code step first, for everyone
        MatrixRow(f"/en/pay/owner/bills/{number}/pdf/", allowed=ALL_STAFF, ok=302),
        # the staff pages that link the PDF
        MatrixRow(f"/staff/water/runs/{sample['november'].run_id}/", allowed=office),
    ]
    assert_role_matrix(tenant, host_of(tenant.code), rows)


def test_a_water_receipt_needs_the_code_too(tenant_a, client_a, water_a):
    from decimal import Decimal

    from backoffice.payments import services as payments
    from tests.conftest import staff_user

    with schema_context(tenant_a.schema_name):
        payment = payments.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"),
            bill=water_a["november"],
            amount=Decimal("100.00"),
        )
    url = f"/en/pay/owner/receipts/{payment.receipt_number}/pdf/"
    response = client_a.get(url)
    assert response.status_code == 302 and response["Location"].endswith(f"/holding/{HOLDING}/")
    _prove(client_a, tenant_a)
    assert url in client_a.get(f"/en/pay/holding/{HOLDING}/").content.decode()
    response = client_a.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

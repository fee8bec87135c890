"""The public verification page /bills/verify/<NUMBER>/ (the QR code's
target): essential figures, no personal data, 404 for an unknown number
or another municipality's, per-address throttling, language switch."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from backoffice.billing import services as billing
from backoffice.billing.pdf import signing
from backoffice.billing.pdf.payment_status import (
    PaymentStatus,
    payment_status_provider,
    payment_status_register,
    payment_status_unregister,
)
from tests.backoffice.billing.pdf_support import OWNER_BN, OWNER_EN, OWNER_PHONE, issued_sample
from tests.conftest import staff_user

URL = "/bills/verify/2026-Q4-000001/"


@pytest.fixture
def no_payments():
    """As before any payments code registers its answer."""
    provider = payment_status_provider()
    payment_status_unregister()
    yield
    if provider is not None:
        payment_status_register(provider)


@pytest.fixture
def sample_a(tenant_a):
    cache.clear()
    with schema_context(tenant_a.schema_name):
        sample = issued_sample(tenant_a)
    yield sample
    cache.clear()


def test_page_shows_the_figures_and_no_personal_data(sample_a, client_a, no_payments):
    response = client_a.get(URL, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200
    html = response.content.decode()
    for expected in ("2026-Q4-000001", "01-001-0003-00", "1,02,000.00", "10,200.00"):
        assert expected in html, expected
    assert "31 December 2026" in html and "Quarter 4, 2026" in html
    assert "is valid" in html
    assert "Payment status not available" in html
    for secret in (
        OWNER_EN,
        OWNER_BN,
        OWNER_PHONE,
        sample_a["building"].bin,
        "2,400,000",
        "24,00,000",
    ):
        assert secret not in html, secret
    assert response["Cache-Control"] == "no-store"
    assert 'href="/bills/signing-certificate.pem"' in html


def test_page_in_bangla_with_bengali_digits(sample_a, client_a):
    client_a.cookies["django_language"] = "bn"
    html = client_a.get(URL, REMOTE_ADDR="10.0.0.2").content.decode()
    assert "০১-০০১-০০০৩-০০" in html and "১,০২,০০০.০০" in html
    assert 'lang="bn"' in html
    assert 'value="en"' in html  # the switcher offers English


def test_unknown_number_is_404_without_a_language_redirect(sample_a, client_a):
    response = client_a.get("/bills/verify/2026-Q4-999999/", REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 404
    assert (
        client_a.get("/bills/verify/" + "9" * 30 + "/", REMOTE_ADDR="10.0.0.3").status_code == 404
    )


def test_another_municipality_does_not_know_the_number(sample_a, client_b):
    assert client_b.get(URL, REMOTE_ADDR="10.0.0.4").status_code == 404


def test_a_cancelled_bill_says_so_and_names_its_replacement(sample_a, tenant_a, client_a):
    with schema_context(tenant_a.schema_name):
        cancellation = billing.bill_cancel(
            actor=staff_user(tenant_a, "revenue_chief"), bill=sample_a["bill"], reason="test"
        )
    html = client_a.get(URL, REMOTE_ADDR="10.0.0.5").content.decode()
    assert "cancelled" in html and cancellation.number in html
    html = client_a.get(f"/bills/verify/{cancellation.number}/", REMOTE_ADDR="10.0.0.5").content
    assert "-1,02,000.00" in html.decode()


def test_payment_status_hook(sample_a, client_a, no_payments):
    payment_status_register(lambda bill: PaymentStatus(paid=bill.number.endswith("1")))
    html = client_a.get(URL, REMOTE_ADDR="10.0.0.6").content.decode()
    assert "Paid" in html and "not available" not in html
    payment_status_register(lambda bill: PaymentStatus(paid=False))
    html = client_a.get(URL, REMOTE_ADDR="10.0.0.6").content.decode()
    assert "Not paid" in html


def test_throttled_per_address(sample_a, client_a, settings):
    settings.IMIS_BILL_VERIFY_PER_WINDOW = 3
    for _ in range(3):
        assert client_a.get(URL, REMOTE_ADDR="10.0.0.7").status_code == 200
    response = client_a.get(URL, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429 and response["Retry-After"]
    assert client_a.get(URL, REMOTE_ADDR="10.0.0.8").status_code == 200


def test_the_certificate_to_trust_is_published(tenant_a, client_a, client_b):
    with schema_context(tenant_a.schema_name):
        anchor = signing.trust_anchor_pem(signing.signing_identity_active())
    response = client_a.get("/bills/signing-certificate.pem")
    assert response.status_code == 200 and response.content.decode() == anchor
    assert "BEGIN CERTIFICATE" in anchor
    assert client_b.get("/bills/signing-certificate.pem").content.decode() != anchor


def test_an_unpaid_bill_with_the_installed_payments(sample_a, client_a):
    """Whatever payments code is installed answers for a bill without payments."""
    if payment_status_provider() is None:
        pytest.skip("no payments code registered the payment-status hook")
    html = client_a.get(URL, REMOTE_ADDR="10.0.0.9").content.decode()
    assert "Not paid" in html and "not available" not in html


def test_verify_by_typing_the_number_bangla_digits_too(sample_a, client_a, client_b):
    number = sample_a["bill"].number
    typed = number.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")).lower()
    form = client_a.get("/bills/verify/")
    assert form.status_code == 200 and 'name="number"' in form.content.decode()
    response = client_a.get("/bills/verify/", {"number": f" {typed} "})
    assert response.status_code == 302 and response["Location"] == f"/bills/verify/{number}/"
    bad = client_a.get("/bills/verify/", {"number": "<script>"}).content.decode()
    assert "letters, digits and dashes" in bad
    # The other municipality's form leads to a number it does not know.
    other = client_b.get("/bills/verify/", {"number": number}, follow=True)
    assert other.status_code == 404

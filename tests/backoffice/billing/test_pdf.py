"""Signed bill PDFs: bilingual figures (pdftotext), pdfsig validates with the
municipality's certificate trusted and a changed byte breaks it, the QR
code decodes to the verification URL, the cache, the two copies, and each
municipality signs with its own key."""

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf import rendering, services, signing
from backoffice.billing.pdf.models import SigningIdentity
from tests.backoffice.billing.pdf_support import (
    OWNER_BN,
    OWNER_EN,
    OWNER_PHONE,
    bn_skeleton,
    issued_sample,
    pdf_text,
    pdfsig,
    qr_codes,
)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield issued_sample(tenant_a)


def _anchor() -> str:
    return signing.trust_anchor_pem(signing.signing_identity_active())


def test_pdf_shows_the_figures_in_both_languages(in_a):
    bill = in_a["bill"]
    assert bill.number == "2026-Q4-000001"
    text = pdf_text(services.bill_pdf(bill=bill))
    flat = " ".join(text.split())
    for expected in (
        "Khulna City Corporation",
        "2026-Q4-000001",
        "01-001-0003-00",
        "০১-০০১-০০০৩-০০",
        in_a["building"].bin,
        OWNER_EN,
        "Holding tax",
        "Quarter 4, 2026",
        "31 December 2026",
        # 24 lakh x 17% / 4: lines 42,000 + 42,000 + 18,000; rebate 10%.
        "42,000.00",
        "১,০২,০০০.০০",
        "1,02,000.00",
        "10,200.00",
        "১০,২০০.০০",
        "91,800.00",
    ):
        assert expected in flat, expected
    # The URL printed under the QR code wraps: its two halves.
    assert "https://khulna.localhost/" in flat and "bills/verify/2026-Q4-000001/" in flat
    skeleton = bn_skeleton(text)
    for expected in ("খুলনা সিটি কর্পোরেশন", OWNER_BN, "হোল্ডিং কর", "বকেয়া", "পরিশোধের শেষ তারিখ"):
        assert bn_skeleton(expected) in skeleton, expected
    assert OWNER_PHONE not in flat


def test_public_copy_names_no_owner(in_a):
    text = pdf_text(services.bill_pdf(bill=in_a["bill"], copy=rendering.COPY_PUBLIC))
    assert "01-001-0003-00" in text and "1,02,000.00" in text
    assert OWNER_EN not in text and bn_skeleton(OWNER_BN) not in bn_skeleton(text)


def test_signature_validates_and_a_changed_byte_breaks_it(in_a):
    data = services.bill_pdf(bill=in_a["bill"])
    report = pdfsig(data, [_anchor()])
    assert "Signature is Valid." in report, report
    assert "Certificate is Trusted." in report, report
    assert "Revenue Chief, Khulna City Corporation" in report
    assert "Total document signed" in report
    # Not trusted without the municipality's CA.
    assert "Certificate is Trusted." not in pdfsig(data, [])
    # One byte of the page content changed (inside the signed range).
    position = data.index(b"stream") + 20
    tampered = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    report = pdfsig(tampered, [_anchor()])
    assert "Signature is Valid." not in report, report
    assert "Digest Mismatch" in report or "Invalid" in report, report


def test_qr_code_opens_the_verification_page(in_a):
    data = services.bill_pdf(bill=in_a["bill"])
    assert qr_codes(data) == ["https://khulna.localhost/bills/verify/2026-Q4-000001/"]


def test_pdf_is_made_once_and_then_served_from_the_cache(in_a, monkeypatch):
    bill = in_a["bill"]
    first = services.bill_pdf(bill=bill)
    calls = []
    monkeypatch.setattr(services, "_render_sign", lambda *a, **k: calls.append(1) or b"")
    assert services.bill_pdf(bill=bill) == first
    assert calls == []
    # The public copy is another file.
    services.bill_pdf(bill=bill, copy=rendering.COPY_PUBLIC)
    assert calls == [1]


def test_a_new_certificate_makes_new_pdfs(in_a):
    bill = in_a["bill"]
    first = services.bill_pdf(bill=bill)
    material = signing.demo_material_make(name_en="Khulna City Corporation")
    identity = signing.signing_identity_install(actor=None, material=material)
    second = services.bill_pdf(bill=bill)
    assert second != first
    report = pdfsig(second, [signing.trust_anchor_pem(identity)])
    assert "Signature is Valid." in report and "Certificate is Trusted." in report
    assert SigningIdentity.objects.filter(active=True).get() == identity


def test_each_municipality_signs_with_its_own_key(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        issued_sample(tenant_a)
        a_anchor = _anchor()
        a_signer = signing.signer_current()
    with schema_context(tenant_b.schema_name):
        sample = issued_sample(tenant_b, prefix="01")
        b_signer = signing.signer_current()
        data = services.bill_pdf(bill=sample["bill"])
        b_anchor = _anchor()
        # A's loaded signer refuses to sign in B's schema.
        with pytest.raises(signing.SigningUnavailable):
            signing.pdf_sign(data, loaded=a_signer, reason="x", location="x")
    assert a_signer.fingerprint != b_signer.fingerprint
    assert "Jashore Paurashava" in pdf_text(data)
    report = pdfsig(data, [b_anchor])
    assert "Revenue Chief, Jashore Paurashava" in report
    assert "Certificate is Trusted." in report
    assert "Certificate is Trusted." not in pdfsig(data, [a_anchor])


def test_the_key_is_stored_encrypted_for_its_schema(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        identity = signing.signing_identity_active()
    assert identity.source == SigningIdentity.Source.DEMO
    assert "ENCRYPTED PRIVATE KEY" in identity.key_encrypted_pem
    signing.key_decrypt(identity.key_encrypted_pem, schema=tenant_a.schema_name)
    with pytest.raises(signing.SigningUnavailable):
        signing.key_decrypt(identity.key_encrypted_pem, schema=tenant_b.schema_name)

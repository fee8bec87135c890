"""Signed water bill PDFs through billing's machinery: bilingual figures
(pdftotext), pdfsig validates and a changed byte breaks it, the QR code
decodes to the verification URL, the cache, the public copy names no one."""

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf import rendering, services, signing
from backoffice.water import pdf
from tests.backoffice.billing.pdf_support import (
    bn_skeleton,
    byte_changed,
    pdf_text,
    pdfsig,
    qr_codes,
)
from tests.backoffice.water.bill_pdf_support import (
    OWNER_BN,
    OWNER_EN,
    OWNER_PHONE,
    water_a,
)

__all__ = ["water_a"]


@pytest.fixture
def in_a(water_a, tenant_a):
    with schema_context(tenant_a.schema_name):
        yield water_a


def test_pdf_shows_the_figures_in_both_languages(in_a):
    bill = in_a["november"]
    assert bill.number.startswith("W202611-")
    text = pdf_text(pdf.water_bill_pdf(bill=bill))
    flat = " ".join(text.split())
    connection = in_a["metered"].number
    for expected in (
        "Khulna City Corporation",
        "Water bill",
        bill.number,
        connection,
        "01-001-0007-00",
        "০১-০০১-০০০৭-০০",
        in_a["building"].bin,
        OWNER_EN,
        "November 2026",
        "Domestic",
        "M-01-001-0007-00",
        # readings 35.5 -> 40.5: 5 m³ = 42.50, topped up to the minimum 60, rent 25
        "35.5 → 40.5",
        "৩৫.৫ → ৪০.৫",
        "Slab 0–10 m³: 5 m³ × 8.50",
        "42.50",
        "Minimum charge (top-up)",
        "17.50",
        "Meter rent",
        "25.00",
        "85.00",
        # October's 412.50 carried as arrears
        "412.50",
        "৪১২.৫০",
        "497.50",
        "৪৯৭.৫০",
        "15 December 2026",
    ):
        assert expected in flat, expected
    # The URL printed under the QR code wraps: its two halves.
    joined = "".join(flat.split())
    assert "https://khulna.localhost/" in joined and f"bills/verify/{bill.number}/" in joined
    skeleton = bn_skeleton(text)
    for expected in ("খুলনা সিটি কর্পোরেশন", OWNER_BN, "মিটার ভাড়া", "বকেয়া", "গৃহস্থালি"):
        assert bn_skeleton(expected) in skeleton, expected
    assert OWNER_PHONE not in flat


def test_slabs_and_flat_rate_lines(in_a):
    october = " ".join(pdf_text(pdf.water_bill_pdf(bill=in_a["october"])).split())
    # 10 x 8.50 + 20 x 11 + 5.5 x 15 + rent 25 = 412.50
    for expected in (
        "Slab 0–10 m³: 10 m³ × 8.50",
        "85.00",
        "Slab 10–30 m³: 20 m³ × 11.00",
        "220.00",
        "Above 30 m³: 5.5 m³ × 15.00",
        "82.50",
        "412.50",
    ):
        assert expected in october, expected
    flat = " ".join(pdf_text(pdf.water_bill_pdf(bill=in_a["flat_bill"])).split())
    assert "Flat monthly rate" in flat and "300.00" in flat and "No meter" in flat


def test_public_copy_names_no_owner(in_a):
    text = pdf_text(pdf.water_bill_pdf(bill=in_a["november"], copy=rendering.COPY_PUBLIC))
    assert "01-001-0007-00" in text and "497.50" in text
    assert OWNER_EN not in text and bn_skeleton(OWNER_BN) not in bn_skeleton(text)


def test_signature_validates_and_a_changed_byte_breaks_it(in_a):
    data = pdf.water_bill_pdf(bill=in_a["november"])
    anchor = signing.trust_anchor_pem(signing.signing_identity_active())
    report = pdfsig(data, [anchor])
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    assert "Revenue Chief, Khulna City Corporation" in report
    assert "Signature is Valid." not in pdfsig(byte_changed(data), [anchor])


def test_qr_code_opens_the_verification_page(in_a):
    bill = in_a["november"]
    data = pdf.water_bill_pdf(bill=bill)
    assert qr_codes(data) == [f"https://khulna.localhost/bills/verify/{bill.number}/"]


def test_pdf_is_made_once_and_then_served_from_the_cache(in_a, monkeypatch):
    bill = in_a["november"]
    first = pdf.water_bill_pdf(bill=bill)
    calls = []
    monkeypatch.setattr(services, "html_sign", lambda *a, **k: calls.append(1) or b"x")
    assert pdf.water_bill_pdf(bill=bill) == first
    assert calls == []
    assert pdf.water_bill_pdf(bill=bill, copy=rendering.COPY_PUBLIC) == b"x"
    with pytest.raises(ValueError):
        pdf.water_bill_pdf(bill=bill, copy="other")


def test_a_cancellation_is_a_document_of_its_own(in_a, tenant_a):
    from backoffice.water import runs
    from tests.conftest import staff_user

    bill = in_a["november"]
    cancellation = runs.water_bill_cancel(
        actor=staff_user(tenant_a, "revenue_chief"), bill=bill, reason="test"
    )
    text = " ".join(pdf_text(pdf.water_bill_pdf(bill=cancellation)).split())
    assert "Cancellation of a water bill" in text and f"Cancels bill {bill.number}" in text
    assert cancellation.number in text and "-497.50" in text

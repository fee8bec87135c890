"""Shared set-up for the PDF, verification and API tests: issued bills in a
municipality, and the command-line tools that read PDFs back (pdftotext,
pdfsig with a temporary NSS database, pdftoppm + zbarimg)."""

import datetime
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from backoffice.billing import services as billing
from backoffice.billing.models import Bill, BillingPeriod, TaxRate
from backoffice.registry import services as registry
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import staff_user

OWNER_EN, OWNER_BN, OWNER_PHONE = "Rahima Begum", "রহিমা বেগম", "01712345678"


def issued_sample(tenant, *, prefix: str = "01", extra_ward2: int = 0) -> dict:
    """Inside ``tenant``'s schema: one owned holding worth 24 lakh a year
    (quarterly total 1,02,000.00), one with no owner in ward 2 (plus
    ``extra_ward2`` more), issued in 2026-Q4."""
    wards_make()
    TaxRate.objects.create(
        holding_type="residential",
        holding_tax_pct=Decimal("7"),
        conservancy_pct=Decimal("7"),
        lighting_pct=Decimal("3"),
        rebate_pct=Decimal("10"),
        surcharge_pct=Decimal("5"),
    )
    building = building_make(None, ward=1, index=0)
    owner = registry.owner_create(actor=None, name_en=OWNER_EN, name_bn=OWNER_BN, phone=OWNER_PHONE)
    home = holding_make(
        None,
        code=f"{prefix}-001-0003-00",
        annual_value=Decimal("2400000"),
        buildings=[building],
        owners=[owner],
    )
    holding_make(None, code="02-004-0120-01", annual_value=Decimal("12000"))
    for i in range(extra_ward2):
        holding_make(None, code=f"02-004-{200 + i:04d}-00", annual_value=Decimal("36000"))
    period = BillingPeriod.objects.create(
        year=2026,
        quarter=4,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
        due_on=datetime.date(2026, 12, 31),
    )
    run = billing.bill_run_prepare(actor=staff_user(tenant, "revenue_collector"), period=period)
    run = billing.bill_run_approve(actor=staff_user(tenant, "revenue_chief"), run=run)
    run = billing.bill_run_issue(run_id=run.pk)
    return {
        "run": run,
        "home": home,
        "building": building,
        "bill": Bill.objects.get(holding=home),
        "ward2_bill": Bill.objects.get(holding__code="02-004-0120-01"),
    }


def pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def pdf_pages(data: bytes) -> int:
    result = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    line = next(x for x in result.stdout.decode().splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def pdfsig(data: bytes, trusted_pem: list[str]) -> str:
    """pdfsig's report, with only ``trusted_pem`` trusted (a fresh NSS db)."""
    with tempfile.TemporaryDirectory() as folder:
        nss = Path(folder) / "nss"
        nss.mkdir()
        subprocess.run(
            ["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"],
            check=True,
            capture_output=True,
        )
        for i, pem in enumerate(trusted_pem):
            path = Path(folder) / f"ca{i}.pem"
            path.write_text(pem)
            subprocess.run(
                ["certutil", "-A", "-d", f"sql:{nss}", "-n", f"ca{i}", "-t", "CT,C,C", "-i", path],
                check=True,
                capture_output=True,
            )
        pdf = Path(folder) / "bill.pdf"
        pdf.write_bytes(data)
        result = subprocess.run(
            ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True
        )
        return result.stdout + result.stderr


def byte_changed(data: bytes) -> bytes:
    """``data`` with one byte of the first page content (inside the signed
    range) changed."""
    position = data.index(b"stream") + 20
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def qr_codes(data: bytes) -> list[str]:
    """Every QR code on the PDF's first page (rendered at 150 dpi)."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "bill.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf), f"{folder}/p"],
            check=True,
            capture_output=True,
        )
        image = next(Path(folder).glob("p*.png"))
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True
        )
        return [line for line in result.stdout.splitlines() if line]


_BN_VOWEL_SIGNS = dict.fromkeys([*range(0x09BE, 0x09CD), 0x09D7])


def bn_skeleton(text: str) -> str:
    """Bangla text without spaces and vowel signs: pdftotext puts pre-base
    vowel signs (ে, ি, and the halves of ো) where they are drawn, before the
    consonant, so words are compared by their consonant skeleton."""
    return "".join(text.split()).translate(_BN_VOWEL_SIGNS)

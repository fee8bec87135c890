"""The FSM manager opens the monthly service-provider report in the
browser: the list shows each provider's month, the PDF and the Excel file
download, and their totals are the month's (worked out by hand in
tests/backoffice/fsm/reports/data.py).

The live server reads only committed data: the month is made and removed
by ``manage.py shell`` in a fresh process (in Jashore, so the other
browser tests' Khulna records are not disturbed)."""

import io
import json
import subprocess

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.support.cleanup import manage
from tests.support.tenancy import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HOST = "jashore.localhost"
SCHEMA = "jashore"
P1 = "Rupsha Sanitation Services Ltd."

_SETUP = """
import json
from django_tenants.utils import schema_context
from backoffice.fsm.reports import services
from tests.backoffice.fsm.reports.data import NOW, OCTOBER, month_make
with schema_context(%(schema)r):
    month_make()
    made = services.monthly_reports_generate(month=OCTOBER, now=NOW)
    print(json.dumps([r.pk for r in made]))
"""
_TEARDOWN = """
from django_tenants.utils import schema_context
from backoffice.fsm.models import EmptyingApplication, ServiceProvider, Vehicle
from backoffice.fsm.reports.models import ProviderReport
with schema_context(%(schema)r):
    for report in ProviderReport.objects.filter(pk__in=%(reports)r):
        report.pdf.delete(save=False)
        report.xlsx.delete(save=False)
        report.delete()
    EmptyingApplication.objects.filter(reference__regex=r"^T-[0-9]+$").delete()
    names = ["Rupsha Sanitation Services Ltd.", "Daulatpur Septic Services",
             "Idle Cleaning Traders", "Boyra Pit Emptying Enterprise"]
    Vehicle.objects.filter(provider__name__in=names).delete()
    ServiceProvider.objects.filter(name__in=names).delete()
"""


@pytest.fixture
def october_reports(live_portal):
    result = manage("shell", "-c", _SETUP % {"schema": SCHEMA})
    assert result.returncode == 0, result.stderr[-3000:]
    reports = json.loads(result.stdout.strip().splitlines()[-1])
    yield reports
    result = manage("shell", "-c", _TEARDOWN % {"schema": SCHEMA, "reports": reports})
    assert result.returncode == 0, result.stderr[-3000:]


def _line(text: str, label: str) -> str:
    found = [line for line in text.splitlines() if label in line]
    assert found, f"{label!r} not in the PDF"
    return found[0]


def test_the_manager_opens_the_monthly_report_and_its_totals_are_the_month_s(
    browser, url, october_reports
):
    context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(url(HOST, "/staff/login/"))
        page.locator("#id_username").fill("fsm_manager")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        expect(page).to_have_url(url(HOST, "/staff/"))
        page.goto(url(HOST, "/staff/fsm/reports/"))
        row = page.locator("#reports tbody tr", has_text=P1)
        expect(row).to_contain_text("October 2026")
        expect(row.locator("td.num").first).to_have_text("4")  # jobs emptied

        with page.expect_download() as pdf_download:
            row.get_by_role("link", name="PDF").click()
        pdf = pdf_download.value.path().read_bytes()
        assert pdf.startswith(b"%PDF")
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert P1 in text and "October 2026" in text
        assert _line(text, "Jobs emptied").split()[-1] == "4"
        assert _line(text, "Volume emptied (m³)").split()[-1] == "10.70"
        assert _line(text, "Trips").split()[-1] == "5"
        assert _line(text, "Revenue from fees (BDT)").split()[-1] == "5,000.00"
        assert _line(text, "breached a service level").split()[-1] == "2"

        with page.expect_download() as xlsx_download:
            row.get_by_role("link", name="Excel").click()
        book = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
        summary = {
            r[0]: r[2] for r in book["Summary"].iter_rows(min_row=7, values_only=True) if r[0]
        }
        assert summary["Jobs emptied"] == 4 and summary["Trips"] == 5
        assert summary["Volume emptied (m³)"] == pytest.approx(10.70)
    finally:
        context.close()

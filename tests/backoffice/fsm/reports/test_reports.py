"""Monthly service-provider reports: totals against a known month, the PDF
read back with pdftotext and the Excel file with openpyxl, each
municipality's own midnight, idempotency, two municipalities, downloads."""

import datetime
import io
import subprocess
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django_tenants.utils import schema_context, tenant_context
from openpyxl import load_workbook

from backoffice.fsm.reports import periods, services
from backoffice.fsm.reports.models import ProviderReport
from backoffice.fsm.reports.selectors import provider_months
from backoffice.fsm.reports.tasks import monthly_reports_check_task
from tenants.audit.models import AuditEvent
from tests.backoffice.fsm.reports.data import DHAKA, EXPECTED, NOW, OCTOBER, month_make
from tests.conftest import login, staff_user

UTC = datetime.UTC


def test_months_in_a_municipality_clock():
    assert periods.month_next(datetime.date(2026, 12, 1)) == datetime.date(2027, 1, 1)
    assert periods.month_previous(datetime.date(2026, 1, 1)) == datetime.date(2025, 12, 1)
    start, end = periods.month_bounds(OCTOBER, DHAKA)
    assert start == datetime.datetime(2026, 9, 30, 18, 0, tzinfo=UTC)
    assert end == datetime.datetime(2026, 10, 31, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "zone", "due"),
    [
        # 00:05 on 1 December in Khulna is still 30 November in UTC and London.
        ("2026-11-30T18:05Z", "Asia/Dhaka", "2026-11-01"),
        ("2026-11-30T18:05Z", "UTC", None),
        ("2026-11-30T18:05Z", "Europe/London", None),
        # Six hours later it is London's 1st too; Khulna is still on its 1st.
        ("2026-12-01T00:05Z", "Europe/London", "2026-11-01"),
        ("2026-12-01T00:05Z", "Asia/Dhaka", "2026-11-01"),
        # A half-hour zone gets its own midnight; New York's is five hours after London's.
        ("2026-11-30T18:35Z", "Asia/Kolkata", "2026-11-01"),
        ("2026-12-01T04:05Z", "America/New_York", None),
        ("2026-12-01T05:05Z", "America/New_York", "2026-11-01"),
        # The 2nd is too late for an hourly job to start the month's reports.
        ("2026-12-01T18:05Z", "Asia/Dhaka", None),
        # January reports December of the year before.
        ("2026-12-31T18:30Z", "Asia/Dhaka", "2026-12-01"),
    ],
)
def test_report_month_due_in_each_time_zone(instant, zone, due):
    now = datetime.datetime.fromisoformat(instant)
    month = periods.report_month_due(now, zoneinfo.ZoneInfo(zone))
    assert month == (datetime.date.fromisoformat(due) if due else None)


def test_beat_sends_the_check_hourly_to_every_municipality():
    entry = settings.CELERY_BEAT_SCHEDULE["fsm-monthly-reports"]
    assert entry["task"] == monthly_reports_check_task.name
    assert "tenant_schemas" not in entry  # every ready municipality
    assert entry["schedule"].hour == set(range(24)) and entry["schedule"].minute == {5}


def test_totals_of_a_known_month(tenant_a):
    with schema_context(tenant_a.schema_name):
        providers = month_make()
        months = provider_months(month=OCTOBER, tz=DHAKA, now=NOW)
        assert set(months) == {p.pk for p in providers.values()}
        for key, provider in providers.items():
            assert months[provider.pk].totals == EXPECTED[key], key
        lines = months[providers["p1"].pk].jobs
        assert [j.reference for j in lines] == ["T-1", "T-6", "T-2", "T-3"]
        assert [j.reference for j in lines if j.breached] == ["T-6", "T-2"]


def _pdf_text(report) -> str:
    with report.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def _line(text: str, label: str) -> str:
    found = [line for line in text.splitlines() if label in line]
    assert found, f"{label!r} not in the PDF"
    return found[0]


def _summary(report) -> dict:
    with report.xlsx.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    sheet = book["Summary"]
    rows = {row[0]: row[2] for row in sheet.iter_rows(min_row=7, values_only=True) if row[0]}
    jobs = list(book["Jobs"].iter_rows(min_row=3, values_only=True))
    return {"summary": rows, "jobs": jobs, "sheet": sheet}


def test_generate_stores_a_pdf_and_an_excel_file_with_the_totals(tenant_a):
    with schema_context(tenant_a.schema_name):
        providers = month_make()
        made = services.monthly_reports_generate(month=OCTOBER, now=NOW)
        by_provider = {r.provider_id: r for r in made}
        assert set(by_provider) == {p.pk for p in providers.values()}  # not the idle one
        p1 = by_provider[providers["p1"].pk]
        assert p1.totals == EXPECTED["p1"]
        assert p1.pdf.name.startswith("fsm-reports/2026-10/khulna-provider-")

        text = _pdf_text(p1)
        assert "Rupsha Sanitation Services Ltd." in text and "October 2026" in text
        assert "Khulna City Corporation" in text
        assert "খুলনা সিটি" in text  # Bangla, shaped (conjuncts extract out of order)
        # The Bangla title and month (pdftotext splits some vowel signs off).
        assert "মাসিক" in text.replace(" ", "") and "২০২৬" in text
        assert _line(text, "Jobs emptied").split()[-1] == "4"
        assert _line(text, "Volume emptied (m³)").split()[-1] == "10.70"
        assert _line(text, "Trips").split()[-1] == "5"
        assert _line(text, "Revenue from fees (BDT)").split()[-1] == "5,000.00"
        assert _line(text, "breached a service level").split()[-1] == "2"
        assert _line(text, "Average satisfaction").split()[-1] == "4.00"
        assert _line(text, "protective equipment").split()[-1] == "50.0"
        assert _line(text, "still not emptied").split()[-1] == "1"
        for reference in ("T-1", "T-2", "T-3", "T-6"):
            assert reference in text
        assert "T-4" not in text and "T-5" not in text
        assert "Pay on service" in text  # the fee settlement's label, not its code
        text2 = _pdf_text(by_provider[providers["p2"].pk])
        assert _line(text2, "Revenue from fees (BDT)").split()[-1] == "1,23,456.50"

        book = _summary(p1)
        summary = book["summary"]
        assert summary["Jobs emptied"] == 4
        assert summary["Volume emptied (m³)"] == pytest.approx(10.70)
        assert summary["Trips"] == 5
        assert Decimal(str(summary["Revenue from fees (BDT)"])) == Decimal("5000")
        assert summary["Jobs that breached a service level"] == 2
        assert summary["Average satisfaction (1 to 5)"] == pytest.approx(4.0)
        assert summary["Crews wearing protective equipment (%)"] == pytest.approx(50.0)
        assert summary["Feedback received"] == 2
        assert [row[0] for row in book["jobs"]] == ["T-1", "T-6", "T-2", "T-3"]
        assert [row[6] for row in book["jobs"]] == ["Paid", "Paid", "Pay on service", "Waived"]
        assert sum(row[5] for row in book["jobs"]) == pytest.approx(5000)
        assert sum(row[4] for row in book["jobs"]) == 5
        assert book["sheet"]["B7"].value and "কাজ" in "".join(
            str(c.value) for c in book["sheet"]["B"] if c.value
        )
        events = AuditEvent.objects.filter(action="fsm.report.generate")
        assert events.count() == 3


def test_running_twice_makes_one_report(tenant_a):
    with schema_context(tenant_a.schema_name):
        month_make()
        first = services.monthly_reports_generate(month=OCTOBER, now=NOW)
        assert len(first) == 3
        assert services.monthly_reports_generate(month=OCTOBER, now=NOW) == []
        assert ProviderReport.objects.filter(month=OCTOBER).count() == 3
        assert services.monthly_reports_missing(month=OCTOBER) is False


def test_each_municipality_reports_at_its_own_midnight(tenant_a, tenant_b):
    tenant_b.timezone = "Europe/London"
    tenant_b.save(update_fields=["timezone"])
    november = datetime.date(2026, 11, 1)
    khulna_midnight = datetime.datetime(2026, 11, 30, 18, 5, tzinfo=UTC)
    london_midnight = datetime.datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            month_make()
    with schema_context(tenant_a.schema_name):
        assert services.monthly_reports_due(now=khulna_midnight) == november
    with schema_context(tenant_b.schema_name):
        assert periods.municipality_tz() == zoneinfo.ZoneInfo("Europe/London")
        assert services.monthly_reports_due(now=khulna_midnight) is None
        assert services.monthly_reports_due(now=london_midnight) == november
    with schema_context(tenant_a.schema_name):
        services.monthly_reports_generate(month=november, now=khulna_midnight)
        # Later runs of the same local day find nothing left to do.
        assert services.monthly_reports_due(now=london_midnight) is None
    with schema_context(tenant_b.schema_name):
        assert not ProviderReport.objects.exists()  # nothing crossed over


def test_nothing_is_due_where_fsm_is_switched_off(tenant_a):
    khulna_midnight = datetime.datetime(2026, 11, 30, 18, 5, tzinfo=UTC)
    with tenant_context(tenant_a):
        month_make()
        assert services.monthly_reports_due(now=khulna_midnight) == datetime.date(2026, 11, 1)
        tenant_a.modules = [m for m in tenant_a.modules if m != "fsm"]
        assert services.monthly_reports_due(now=khulna_midnight) is None


def test_the_check_task_queues_nothing_when_it_is_not_the_1st(tenant_a):
    with schema_context(tenant_a.schema_name):
        month_make()
        today = periods.report_month_due(datetime.datetime.now(UTC), periods.municipality_tz())
        if today is None:
            assert monthly_reports_check_task.apply().get() == "nothing due"


def _report_for(tenant, key: str, *, member=None) -> int:
    with schema_context(tenant.schema_name):
        providers = month_make(member=member)
        services.monthly_reports_generate(month=OCTOBER, now=NOW)
        return ProviderReport.objects.get(provider=providers[key]).pk


def test_downloads_and_what_a_provider_sees(tenant_a, client_a):
    member = staff_user(tenant_a, "service_provider")
    own = _report_for(tenant_a, "p1", member=member)
    with schema_context(tenant_a.schema_name):
        other = ProviderReport.objects.exclude(pk=own).first().pk
    login(client_a, tenant_a, "fsm_manager")
    listing = client_a.get("/staff/fsm/reports/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Rupsha Sanitation Services Ltd." in body and "Daulatpur Septic Services" in body
    response = client_a.get(f"/staff/fsm/reports/{own}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response = client_a.get(f"/staff/fsm/reports/{own}.xlsx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert client_a.get(f"/staff/fsm/reports/{own}.csv").status_code == 404

    login(client_a, tenant_a, "service_provider")
    body = client_a.get("/staff/fsm/reports/").content.decode()
    assert "Rupsha Sanitation Services Ltd." in body
    assert "Daulatpur Septic Services" not in body
    assert client_a.get(f"/staff/fsm/reports/{own}.pdf").status_code == 200
    assert client_a.get(f"/staff/fsm/reports/{other}.pdf").status_code == 404
    with schema_context(tenant_a.schema_name):
        assert AuditEvent.objects.filter(action="fsm.report.download").count() == 3


def test_another_municipality_cannot_reach_a_report(tenant_a, tenant_b, client_b):
    pk = _report_for(tenant_a, "p1")
    login(client_b, tenant_b, "fsm_manager")
    assert client_b.get(f"/staff/fsm/reports/{pk}.pdf").status_code == 404
    assert "Rupsha" not in client_b.get("/staff/fsm/reports/").content.decode()


def test_the_demo_has_last_months_reports(tenant_a):
    from backoffice.fsm.reports.demo import demo_step
    from backoffice.registry.synthetic import city_generate

    with schema_context(tenant_a.schema_name):
        city_generate(scale="tiny", seed=3, replace=True)
        demo_step(tenant_a)
        reports = ProviderReport.objects.all()
        assert reports.exists() and len({r.month for r in reports}) == 1
        assert sum(r.totals["jobs"] for r in reports) > 0
        count = reports.count()
        demo_step(tenant_a)  # again: nothing new
        assert ProviderReport.objects.count() == count

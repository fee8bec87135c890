"""Tax rates, dues by ward and the collection report through the staff
pages: edits audited, validation in Bangla, filters and keyset paging,
exports audited with Bangla intact, both municipalities kept apart."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from backoffice.billing.models import TaxRate
from tenants.audit.models import AuditEvent
from tests.backoffice.billing.test_dues import dues_sample
from tests.backoffice.billing.test_reports import collection_sample
from tests.backoffice.billing.test_views import client_for
from tests.backoffice.payments.factories import bill_make
from tests.backoffice.registry.factories import wards_make

pytestmark = pytest.mark.django_db

RATE = {
    "holding_tax_pct": "7",
    "conservancy_pct": "6.5",
    "lighting_pct": "3",
    "water_pct": "0",
    "rebate_pct": "10",
    "surcharge_pct": "5",
}


def test_rates_are_set_by_type_and_audited(tenant_a):
    with schema_context(tenant_a.schema_name):
        admin = client_for(tenant_a, "municipal_admin")
        page = admin.get("/staff/billing/rates/").content.decode()
        assert 'href="/staff/billing/rates/commercial/"' in page
        response = admin.post("/staff/billing/rates/commercial/", RATE)
        assert response.status_code == 302 and response["Location"] == "/staff/billing/rates/"
        rate = TaxRate.objects.get(holding_type="commercial")
        assert rate.conservancy_pct == Decimal("6.5") and not rate.exempt
        created = AuditEvent.objects.get(action="billing.tax_rate_created")
        assert created.actor_username == "municipal_admin"
        assert created.data["changes"]["conservancy_pct"] == [None, "6.5"]

        chief = client_for(tenant_a, "revenue_chief")
        chief.post("/staff/billing/rates/commercial/", {**RATE, "lighting_pct": "4"})
        changed = AuditEvent.objects.get(action="billing.tax_rate_changed")
        assert changed.data["changes"] == {"lighting_pct": ["3.000", "4"]}
        chief.post("/staff/billing/rates/commercial/", {**RATE, "lighting_pct": "4"})
        assert AuditEvent.objects.filter(action__startswith="billing.tax_rate").count() == 2

        viewer = client_for(tenant_a, "viewer")
        page = viewer.get("/staff/billing/rates/").content.decode()
        assert "6.500" in page and "/staff/billing/rates/commercial/" not in page
        assert viewer.post("/staff/billing/rates/commercial/", RATE).status_code == 403
        assert admin.get("/staff/billing/rates/villa/").status_code == 404


def test_rate_validation_in_bangla(tenant_a):
    with schema_context(tenant_a.schema_name):
        chief = client_for(tenant_a, "revenue_chief", language="bn")
        response = chief.post("/staff/billing/rates/mixed/", {**RATE, "rebate_pct": "120"})
        assert response.status_code == 200
        page = response.content.decode()
        with translation.override("bn"):
            message = translation.gettext(
                "Ensure this value is less than or equal to %(limit_value)s."
            ) % {"limit_value": 100}
        assert message in page and message.isascii() is False
        assert "Ensure this value" not in page
        assert not TaxRate.objects.filter(holding_type="mixed").exists()


def test_dues_page_filters_pages_and_totals(tenant_a):
    with schema_context(tenant_a.schema_name):
        dues_sample(tenant_a)
        client = client_for(tenant_a, "revenue_collector")
        page = client.get("/staff/billing/dues/").content.decode()
        wards = page.split('id="ward-dues"', 1)[1].split("</table>", 1)[0]
        assert "2,100.00" in wards and "1,600.00" in wards
        assert '<td class="num" id="dues-total">3,700.00</td>' in wards
        rows = page.split('id="dues"', 1)[1].split("</table>", 1)[0]
        assert rows.count("/staff/registry/holdings/") == 5
        page = client.get("/staff/billing/dues/", {"ward": 2, "min_amount": "500"}).content
        rows = page.decode().split('id="dues"', 1)[1].split("</table>", 1)[0]
        assert "02-077-0006-00" in rows and "02-077-0007-00" not in rows
        assert 'href="/staff/billing/dues.csv?ward=2&amp;min_amount=500"' in page.decode()


def test_dues_export_is_audited_and_keeps_bangla(tenant_a):
    with schema_context(tenant_a.schema_name):
        dues_sample(tenant_a)
        client = client_for(tenant_a, "revenue_chief")
        response = client.get("/staff/billing/dues.csv", {"ward": "2"})
        assert response.status_code == 200
        data = b"".join(response.streaming_content).decode("utf-8")
        assert data.startswith("\ufeffcode,") and "ওয়ার্ড 2" in data
        assert len(data.strip().splitlines()) == 3
        event = AuditEvent.objects.get(action="billing.export")
        assert event.actor_username == "revenue_chief"
        assert event.data == {"what": "dues", "format": "csv", "filters": {"ward": 2}}

        response = client.get("/staff/billing/dues.xlsx")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('.xlsx"')
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        assert len(rows) == 6 and rows[5][3] == "ওয়ার্ড 2"
        assert client.get("/staff/billing/dues.pdf").status_code == 404


def test_collection_page_and_exports(tenant_a):
    with schema_context(tenant_a.schema_name):
        collection_sample(tenant_a)
        viewer = client_for(tenant_a, "viewer")
        query = {"start": "2026-03-01", "end": "2026-04-30", "grouping": "day"}
        page = viewer.get("/staff/billing/collection/", query).content.decode()
        assert '<dd id="collection-total">1,000.00</dd>' in page
        rows = page.split('id="collection-rows"', 1)[1].split("</table>", 1)[0]
        assert rows.count("<tr>") == 4  # a header and three (day, ward) rows
        response = viewer.get("/staff/billing/collection.csv", query)
        lines = b"".join(response.streaming_content).decode("utf-8").strip().splitlines()
        assert len(lines) == 5 and lines[1].endswith(",counter,1,100.00")
        event = AuditEvent.objects.get(action="billing.export")
        assert event.data["what"] == "collection" and event.data["filters"]["end"] == "2026-04-30"
        bad = viewer.get("/staff/billing/collection/", {"start": "2026-05-01", "end": "2026-04-01"})
        assert bad.status_code == 200 and b"cannot be before the start" in bad.content
        assert viewer.get("/staff/billing/collection.xlsx", {"start": "x"}).status_code == 404
        # Without a range, this month so far.
        assert viewer.get("/staff/billing/collection/").status_code == 200


def test_dues_and_collection_stay_in_their_municipality(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        dues_sample(tenant_a)
        collection_sample(tenant_a)
    with schema_context(tenant_b.schema_name):
        wards_make(1)
        bill_make("01-099-0001-00", total=Decimal("55.00"))
        client = client_for(tenant_b, "revenue_chief")
        page = client.get("/staff/billing/dues/").content.decode()
        assert "01-099-0001-00" in page and "077-" not in page and "066-" not in page
        data = b"".join(client.get("/staff/billing/dues.csv").streaming_content).decode()
        assert "01-099-0001-00" in data and "077-" not in data
        query = {"start": "2026-01-01", "end": "2026-12-31"}
        page = client.get("/staff/billing/collection/", query).content.decode()
        assert '<dd id="collection-total">0.00</dd>' in page


def test_dues_totals_on_the_first_page_only(tenant_a):
    with schema_context(tenant_a.schema_name):
        dues_sample(tenant_a)
        client = client_for(tenant_a, "revenue_collector")
        page = client.get("/staff/billing/dues/", {"ward": "1"}).content.decode()
        assert 'id="ward-dues"' in page
        later = client.get("/staff/billing/dues/", {"ward": "1", "after": "01-077-0001-00"})
        later = later.content.decode()
        assert 'id="ward-dues"' not in later and 'href="?ward=1"' in later
        rows = later.split('id="dues"', 1)[1].split("</table>", 1)[0]
        assert "01-077-0003-00" in rows and "01-077-0001-00" not in rows

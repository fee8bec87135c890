"""The collection page with water bills and connection fees: holding tax and water side by side
(per service, by ward, by day), the export naming the service, in English
and in Bangla, each municipality its own payments."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tenants.formatting import money_format
from tests.backoffice.billing.test_reports import collection_sample, water_sample
from tests.backoffice.billing.test_views import client_for

pytestmark = pytest.mark.django_db

QUERY = {"start": "2026-03-01", "end": "2026-04-30", "grouping": "day"}


def row(page: str, row_id: str) -> str:
    return page.split(f'id="{row_id}"', 1)[1].split("</tr>", 1)[0]


def money(value: str, language: str) -> str:
    return money_format(Decimal(value), language=language, symbol=False)


@pytest.mark.parametrize("language", ["en", "bn"])
def test_services_side_by_side_in_both_languages(tenant_a, language):
    with schema_context(tenant_a.schema_name):
        collection_sample(tenant_a)
        water_sample(tenant_a)
        client = client_for(tenant_a, "revenue_chief", language=language)
        response = client.get("/staff/billing/collection/", QUERY)
        assert response.status_code == 200
        page = response.content.decode()
        heading = {"en": "By service", "bn": "সেবা অনুযায়ী"}[language]
        assert f"<h2>{heading}</h2>" in page
        water = row(page, "collection-water")
        assert money("400.00", language) in water and money("250.00", language) in water
        assert money("1000.00", language) in row(page, "collection-holding-tax")
        assert money("100.00", language) in row(page, "collection-connection-fees")
        assert f'<dd id="collection-total">{money("1500.00", language)}</dd>' in page
        wards = page.split('id="collection-wards"', 1)[1].split("</table>", 1)[0]
        # ward 1: water supply 500.00 (bills and the fee), 800.00 in all
        assert money("500.00", language) in wards and money("800.00", language) in wards
        label = {"en": "Water supply (BDT)", "bn": "পানি সরবরাহ (টাকা)"}[language]
        assert label in page


def test_export_and_the_other_municipality(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        collection_sample(tenant_a)
        water_sample(tenant_a)
        client = client_for(tenant_a, "viewer")
        response = client.get("/staff/billing/collection.csv", QUERY)
        lines = b"".join(response.streaming_content).decode("utf-8").strip().splitlines()
        assert lines[0].endswith("service,method,payments,amount")
        assert "2026-03-02,1,Ward 1,ওয়ার্ড 1,water,online,1,250.00" in lines
        assert "2026-03-02,1,Ward 1,ওয়ার্ড 1,connection_fee,counter,1,100.00" in lines
        assert len(lines) == 8  # a header, four holding-tax, two water bill, one fee row
    with schema_context(tenant_b.schema_name):
        client = client_for(tenant_b, "viewer")
        page = client.get("/staff/billing/collection/", QUERY).content.decode()
        assert '<dd id="collection-total">0.00</dd>' in page
        assert "0.00" in row(page, "collection-water")

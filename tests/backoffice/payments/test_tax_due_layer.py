"""The tax-due map layer: a building whose holding owes on an overdue bill
is on it for revenue staff only, with what it owes; a payment of the whole
amount takes it off (the layer's tiles are retired when a payment is
recorded); the other municipality's tiles never show it."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from backoffice.billing.models import Bill, TaxRate
from backoffice.billing.services import bill_run_issue
from backoffice.payments.services import counter_payment_record
from tests.backoffice.billing.test_services import approved_run
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.conftest import login, staff_user
from tests.maps.helpers import decode, tile_of, tile_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _features(client, building) -> list[dict]:
    point = building.footprint.point_on_surface
    response = client.get(tile_url("tax_due", *tile_of(point.x, point.y, 16)))
    assert response.status_code in (200, 204)
    return decode(response.content, "tax_due")


def test_an_overdue_holding_is_on_the_tax_due_layer_until_paid(
    tenant_a, tenant_b, client_a, client_b
):
    with schema_context(tenant_a.schema_name):
        wards_make()
        TaxRate.objects.create(holding_type="residential", holding_tax_pct=Decimal("7"))
        owing = building_make(ward=1, index=3)
        holding_make(code="01-001-0007-00", buildings=[owing])
        run = approved_run(tenant_a, year=2026, quarter=3)  # due 28 September 2026: past
        bill_run_issue(run_id=run.pk)
        bill = Bill.objects.get(holding__code="01-001-0007-00")
        assert bill.total > 0

    login(client_a, tenant_a, "revenue_chief")
    features = _features(client_a, owing)
    assert [f["bin"] for f in features] == [owing.bin]
    assert features[0]["owed"] == pytest.approx(float(bill.total))
    assert features[0]["overdue"] == pytest.approx(float(bill.total))

    login(client_a, tenant_a, "fsm_manager")  # not revenue staff: no such layer
    point = owing.footprint.point_on_surface
    assert client_a.get(tile_url("tax_due", *tile_of(point.x, point.y, 16))).status_code == 404

    login(client_b, tenant_b, "revenue_chief")  # the other municipality's tiles
    assert _features(client_b, owing) == []

    with schema_context(tenant_a.schema_name):
        counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"), bill=bill, amount=bill.total
        )
    login(client_a, tenant_a, "revenue_chief")
    assert _features(client_a, owing) == []

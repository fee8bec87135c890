"""Staff pages through their forms: counter payments (partial), receipts,
cancellation by the revenue chief only, search; the bills' paid hook."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.payments import selectors, services
from backoffice.payments.models import Payment, ReceiptCancellation
from tests.backoffice.payments.factories import bill_make
from tests.conftest import login, staff_user


@pytest.fixture
def bill_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        return bill_make(total=Decimal("1000.00"))


def test_counter_payment_form_partial_then_receipt(tenant_a, client_a, bill_a):
    login(client_a, tenant_a, "revenue_collector")
    page = client_a.get("/staff/payments/counter/", {"bill": bill_a.number})
    assert page.status_code == 200 and "1,000.00" in page.content.decode()
    response = client_a.post(
        "/staff/payments/counter/",
        {"bill": bill_a.number, "amount": "250.00", "payer_name": "Rahima"},
    )
    assert response.status_code == 302 and "/staff/payments/receipts/R-" in response["Location"]
    receipt = client_a.get(response["Location"])
    assert receipt.status_code == 200 and "250.00" in receipt.content.decode()
    assert "Cancel this receipt" not in receipt.content.decode()  # not for a collector
    too_much = client_a.post(
        "/staff/payments/counter/", {"bill": bill_a.number, "amount": "750.01"}
    )
    assert too_much.status_code == 200 and "more than what is outstanding" in (
        too_much.content.decode()
    )
    with schema_context(tenant_a.schema_name):
        assert selectors.bill_outstanding(bill_a) == Decimal("750.00")
        assert Payment.objects.count() == 1
    found = client_a.get("/staff/payments/", {"q": bill_a.number})
    assert found.status_code == 200 and "R-" in found.content.decode()


def test_payment_search_queries_do_not_grow_with_rows(
    tenant_a, client_a, django_assert_max_num_queries
):
    with schema_context(tenant_a.schema_name):
        collector = staff_user(tenant_a, "revenue_collector")
        for i in range(6):
            bill = bill_make(code=f"01-077-{i + 1:04d}-00", total=Decimal("10.00"))
            services.counter_payment_record(actor=collector, bill=bill, amount=Decimal("10"))
    login(client_a, tenant_a, "revenue_collector")
    client_a.get("/staff/payments/")  # warm the session and tenant caches
    with django_assert_max_num_queries(10):
        page = client_a.get("/staff/payments/")
    assert page.content.decode().count("R-") >= 6


def test_only_the_chief_cancels_a_receipt_through_the_page(tenant_a, client_a, bill_a):
    login(client_a, tenant_a, "revenue_collector")
    client_a.post("/staff/payments/counter/", {"bill": bill_a.number, "amount": "1000"})
    with schema_context(tenant_a.schema_name):
        number = Payment.objects.get().receipt_number
    url = f"/staff/payments/receipts/{number}/cancel/"
    assert client_a.post(url, {"reason": "wrong holding"}).status_code == 403
    login(client_a, tenant_a, "revenue_chief")
    assert client_a.post(url, {"reason": ""}).status_code == 200  # reason required
    response = client_a.post(url, {"reason": "wrong holding"})
    assert response.status_code == 302
    page = client_a.get(response["Location"]).content.decode()
    assert "RC-" in page and "wrong holding" in page
    with schema_context(tenant_a.schema_name):
        assert ReceiptCancellation.objects.count() == 1
        assert selectors.bill_outstanding(bill_a) == Decimal("1000.00")


def test_bills_verification_hook_reports_payments(tenant_a, bill_a):
    payment_status = pytest.importorskip("backoffice.billing.pdf.payment_status")
    with schema_context(tenant_a.schema_name):
        assert payment_status.payment_status_of(bill_a).paid is False
        services.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"), bill=bill_a, amount=Decimal("1000")
        )
        status = payment_status.payment_status_of(bill_a)
        assert status.paid and status.paid_amount == Decimal("1000.00") and status.paid_on


def test_the_staff_home_links_to_payments_for_revenue_roles(tenant_a, client_a):
    login(client_a, tenant_a, "revenue_collector")
    assert 'id="payments-link"' in client_a.get("/staff/").content.decode()
    login(client_a, tenant_a, "fsm_manager")
    assert 'id="payments-link"' not in client_a.get("/staff/").content.decode()

"""The public bill look-up (/<lang>/pay/): by holding code, Bangla digits too;
what is due and a pay link; paid bills say so; only this municipality's."""

from decimal import Decimal

from django_tenants.utils import schema_context

from backoffice.payments import services
from tests.backoffice.payments.factories import bill_make
from tests.conftest import staff_user
from tests.support.role_matrix import ALL_STAFF, ANONYMOUS, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of


def test_lookup_by_holding_code_in_bangla_digits(tenant_a, client_a, client_b):
    with schema_context(tenant_a.schema_name):
        paid = bill_make(code="01-077-0001-00", total=Decimal("20.00"))
        services.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"), bill=paid, amount=Decimal("20")
        )
        due = bill_make(code="01-077-0001-00", total=Decimal("1500.00"), quarter=2)
    page = client_a.get("/bn/pay/", {"holding_code": "০১-০৭৭-০০০১-০০"})
    text = page.content.decode()
    assert page.status_code == 200
    assert f"/payments/pay/{due.number}/" in text and "১,৫০০.০০" in text
    assert f"/payments/pay/{paid.number}/" not in text and "পরিশোধিত" in text
    wrong = client_a.get("/en/pay/", {"holding_code": "01-077"}).content.decode()
    assert "four parts" in wrong
    other = client_b.get("/en/pay/", {"holding_code": "01-077-0001-00"}).content.decode()
    assert "No bills found for this holding." in other and due.number not in other


def test_the_lookup_is_open_to_everyone(tenant_a):
    rows = [MatrixRow("/en/pay/", allowed={*ALL_STAFF, ANONYMOUS}, anonymous=200)]
    assert_role_matrix(tenant_a, host_of(tenant_a.code), rows)


def test_water_bills_of_the_holding_are_listed_and_payable(tenant_a, client_a, client_b):
    from tests.backoffice.payments.factories import water_bill_make

    with schema_context(tenant_a.schema_name):
        water = water_bill_make(total=Decimal("640.00"))
        code, connection = water.connection.holding.code, water.connection.number
    page = client_a.get("/en/pay/", {"holding_code": code}).content.decode()
    assert "Water bills" in page and water.number in page and connection in page
    assert f"/payments/pay/{water.number}/" in page and "640.00" in page
    pay = client_a.get(f"/payments/pay/{water.number}/").content.decode()
    assert connection in pay and "640.00" in pay
    other = client_b.get("/en/pay/", {"holding_code": code}).content.decode()
    assert water.number not in other

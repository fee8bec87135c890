"""A new water connection's fee is a payable document of payments: taken at
the counter (partial, never more than the fee) or online through the gateway
simulator (a repeated callback credits once); the receipt that completes the
fee moves the approved application to fee paid; cancelling a receipt moves
it back, refused once connected; the other municipality sees none of it;
the citizen finds the fee by its reference (Bangla digits too) and sees no
personal data."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.payments import services
from backoffice.payments.documents import document_by_number, document_outstanding
from backoffice.payments.models import Payment, PaymentTransaction
from backoffice.water import applications as apps
from backoffice.water.models import ConnectionApplication
from tenants.audit.models import AuditEvent
from tests.backoffice.billing.pdf_support import pdf_text
from tests.backoffice.registry.factories import building_make, holding_make
from tests.backoffice.water.factories import tariffs_make, wards_make
from tests.conftest import login, staff_user
from tests.support.payments import sslcommerz_callbacks
from tests.support.role_matrix import ALL_STAFF, ANONYMOUS, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

COUNTER = {"revenue_collector", "revenue_chief"}

pytestmark = pytest.mark.django_db
S = ConnectionApplication.State


@pytest.fixture(params=["tenant_a", "tenant_b"])
def office(request, settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    tenant = request.getfixturevalue(request.param)
    with schema_context(tenant.schema_name):
        officer = staff_user(tenant, "water_officer")
        wards_make(1)
        tariffs = tariffs_make(officer)
        building = building_make(officer, ward=1, index=60)
        holding = holding_make(officer, code="01-005-0061-00", buildings=[building])
        yield {
            "tenant": tenant,
            "officer": officer,
            "collector": staff_user(tenant, "revenue_collector"),
            "chief": staff_user(tenant, "revenue_chief"),
            "tariffs": tariffs,
            "holding": holding,
        }


def application(office, *, approve=True) -> ConnectionApplication:
    app = apps.application_submit(
        actor=office["officer"],
        applicant_name="Nasima Akter",
        applicant_phone="01712345678",
        holding=office["holding"],
        category=office["tariffs"]["domestic"],
        size_mm=15,
    )
    if approve:
        app = apps.application_approve(actor=office["officer"], application=app)
    return app


def test_counter_payment_in_full_moves_the_application_to_fee_paid(office):
    app = application(office)
    assert app.fee > 0 and document_by_number(app.reference) == app
    # Bangla digits and lower case find it as well.
    bangla = app.reference.lower().translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    assert document_by_number(bangla) == app
    half = (app.fee / 2).quantize(Decimal("0.01"))
    first = services.counter_payment_record(actor=office["collector"], bill=app, amount=half)
    app.refresh_from_db()
    assert first.application_id == app.pk and first.document == app
    assert app.state == S.APPROVED and app.fee_receipt == ""  # partial: not yet
    assert document_outstanding(app) == app.fee - half
    with pytest.raises(ValidationError, match="more than what is outstanding"):
        services.counter_payment_record(
            actor=office["collector"], bill=app, amount=app.fee - half + Decimal("0.01")
        )
    last = services.counter_payment_record(
        actor=office["collector"], bill=app, amount=app.fee - half
    )
    app.refresh_from_db()
    assert app.state == S.FEE_PAID and app.fee_receipt == last.receipt_number
    assert document_outstanding(app) == 0
    with pytest.raises(ValidationError, match="already paid"):
        services.counter_payment_record(actor=office["collector"], bill=app, amount=Decimal("1"))
    event = AuditEvent.objects.filter(action="water.application_fee_paid").get()
    assert event.data["fee_receipt"] == last.receipt_number


def test_an_application_not_approved_is_not_payable(office):
    app = application(office, approve=False)
    with pytest.raises(ValidationError, match="not approved"):
        services.counter_payment_record(actor=office["collector"], bill=app, amount=Decimal("1"))
    app = apps.application_reject(actor=office["officer"], application=app, reason="no main")
    with pytest.raises(ValidationError, match="rejected"):
        services.counter_payment_record(actor=office["collector"], bill=app, amount=Decimal("1"))
    assert not Payment.objects.filter(application=app).exists()


def test_an_application_with_fee_receipts_is_not_rejected_until_they_are_cancelled(office):
    app = application(office)
    payment = services.counter_payment_record(
        actor=office["collector"], bill=app, amount=Decimal("10")
    )
    with pytest.raises(ValidationError, match="cancel their receipts"):
        apps.application_reject(actor=office["officer"], application=app, reason="no main")
    services.receipt_cancel(actor=office["chief"], payment=payment, reason="wrong amount")
    app = apps.application_reject(actor=office["officer"], application=app, reason="no main")
    assert app.state == S.REJECTED


def test_a_payment_is_for_exactly_one_document(office):
    app = application(office)
    payment = services.counter_payment_record(
        actor=office["collector"], bill=app, amount=Decimal("1")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(application_id=None)


def test_receipt_cancellation_reverts_and_is_refused_once_connected(office):
    app = application(office)
    payment = services.counter_payment_record(actor=office["collector"], bill=app, amount=app.fee)
    app.refresh_from_db()
    assert app.state == S.FEE_PAID
    services.receipt_cancel(actor=office["chief"], payment=payment, reason="cheque bounced")
    app.refresh_from_db()
    assert app.state == S.APPROVED and app.fee_receipt == ""
    reopened = AuditEvent.objects.filter(action="water.application_fee_reopen").get()
    assert reopened.data["cancelled_receipt"] == payment.receipt_number
    again = services.counter_payment_record(actor=office["collector"], bill=app, amount=app.fee)
    app = apps.application_connect(actor=office["officer"], application=app, meter_serial="F-1")
    assert app.state == S.CONNECTED
    with pytest.raises(ValidationError, match="connection of application"):
        services.receipt_cancel(actor=office["chief"], payment=again, reason="late")
    again.refresh_from_db()
    assert again.status == Payment.Status.VALID


def test_online_fee_through_the_simulator_credits_once(office, payment_simulator):
    payment_simulator.reset()
    payment_simulator.set(ipn="none")  # settled by asking the gateway, as reconciliation does
    urls = sslcommerz_callbacks(host_of(office["tenant"].code))
    app = application(office)
    tran = services.transaction_initiate(bill=app, gateway="sslcommerz", urls_for=lambda _t: urls)
    assert tran.state == PaymentTransaction.State.PENDING
    assert tran.application_id == app.pk and tran.amount == app.fee
    payment_simulator.choose(tran.redirect_url)
    outcomes = [services.transaction_reconcile(tran_id=tran.tran_id).outcome for _ in range(3)]
    outcomes.append(services.transaction_settle(tran_id=tran.tran_id, source="ipn").outcome)
    assert outcomes == ["paid", "already_paid", "already_paid", "already_paid"]
    payment = Payment.objects.get(application=app)
    app.refresh_from_db()
    assert app.state == S.FEE_PAID and app.fee_receipt == payment.receipt_number
    assert payment.method == Payment.Method.ONLINE
    payment_simulator.reset()


def test_staff_pages_receipt_pdf_and_the_other_municipality(
    tenant_a, tenant_b, client_a, client_b, settings, tmp_path
):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    with schema_context(tenant_a.schema_name):
        if signing.signing_identity_active() is None:
            signing.demo_identity_ensure(tenant_a)
        officer = staff_user(tenant_a, "water_officer")
        wards_make(1)
        tariffs = tariffs_make(officer)
        holding = holding_make(
            officer, code="01-005-0062-00", buildings=[building_make(officer, ward=1, index=61)]
        )
        app = apps.application_submit(
            actor=officer,
            applicant_name="Nasima Akter",
            holding=holding,
            category=tariffs["domestic"],
            size_mm=15,
        )
        app = apps.application_approve(actor=officer, application=app)
    login(client_a, tenant_a, "revenue_collector")
    page = client_a.get(f"/staff/water/applications/{app.reference}/").content.decode()
    assert f"/staff/payments/counter/?bill={app.reference}" in page
    counter = client_a.get("/staff/payments/counter/", {"bill": app.reference}).content.decode()
    assert app.reference in counter and "New water connection fee" in counter
    response = client_a.post(
        "/staff/payments/counter/",
        {"bill": app.reference, "amount": str(app.fee), "payer_name": ""},
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        app.refresh_from_db()
        assert app.state == S.FEE_PAID
        number = app.fee_receipt
    page = client_a.get(f"/staff/water/applications/{app.reference}/").content.decode()
    assert number in page and "take-fee" not in page
    pdf = client_a.get(f"/staff/payments/receipts/{number}/pdf/")
    text = pdf_text(pdf.content)
    assert app.reference in text and "New water connection fee" in text
    # The payment search finds the fee by its reference and by the holding's code.
    for query in (app.reference, holding.code):
        found = client_a.get("/staff/payments/", {"q": query}).content.decode()
        assert number in found and app.reference in found
    # Jashore: neither the counter nor the public pay page finds it.
    login(client_b, tenant_b, "revenue_collector")
    other = client_b.get("/staff/payments/counter/", {"bill": app.reference}).content.decode()
    assert "New water connection fee" not in other
    assert client_b.get(f"/payments/pay/{app.reference}/", follow=True).status_code == 404
    assert client_b.get(f"/staff/payments/receipts/{number}/").status_code == 404
    login(client_b, tenant_b, "revenue_chief")
    assert number not in client_b.get("/staff/payments/", {"q": app.reference}).content.decode()


def test_the_citizen_finds_the_fee_by_reference_and_sees_no_personal_data(office, client):
    tenant = office["tenant"]
    app = application(office)
    host = host_of(tenant.code)
    bangla = app.reference.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    found = client.get("/bn/pay/", {"application": bangla}, HTTP_HOST=host)
    assert found.status_code == 302 and found["Location"].endswith(f"/pay/{app.reference}/")
    page = client.get(found["Location"], HTTP_HOST=host, follow=True)
    text = page.content.decode()
    assert page.status_code == 200 and app.reference in text
    assert "Nasima" not in text and "1712345678" not in text
    assert 'name="gateway"' in text  # the approved fee can be paid online
    services.counter_payment_record(actor=office["collector"], bill=app, amount=app.fee)
    text = client.get(found["Location"], HTTP_HOST=host, follow=True).content.decode()
    assert 'name="gateway"' not in text and "nothing-due" in text
    submitted = application(office, approve=False)
    missing = client.get("/en/pay/", {"application": submitted.reference}, HTTP_HOST=host)
    assert missing.status_code == 200
    assert "No approved application has this reference." in missing.content.decode()
    assert (
        client.get(f"/payments/pay/{submitted.reference}/", HTTP_HOST=host, follow=True).status_code
        == 404
    )


def test_application_fee_role_matrix(office):
    """The pages an application's fee goes through, for every role."""
    app = application(office)
    ref = app.reference
    everyone = {*ALL_STAFF, ANONYMOUS}
    public = {"allowed": everyone, "anonymous": 200}
    readers = {"water_officer", "municipal_admin", "viewer", "revenue_collector", "revenue_chief"}
    matrix = [
        MatrixRow("/staff/payments/counter/", allowed=COUNTER, data={"bill": ref}),
        MatrixRow(f"/staff/water/applications/{ref}/", allowed=readers),
        MatrixRow(f"/payments/pay/{ref}/", **public),
        MatrixRow("/en/pay/", data={"application": ref}, ok=302, allowed=everyone, anonymous=302),
    ]
    tenant = office["tenant"]
    with schema_context("public"):
        assert_role_matrix(tenant, host_of(tenant.code), matrix)


def test_the_citizen_pays_the_fee_online_and_downloads_the_receipt(
    office, client, payment_simulator
):
    """The public pay page starts the gateway session (the simulator), the
    gateway is asked server-side (as reconciliation does; no IPN here), the
    status page shows the receipt and its signed PDF opens."""
    tenant = office["tenant"]
    if signing.signing_identity_active() is None:
        signing.demo_identity_ensure(tenant)
    payment_simulator.reset()
    payment_simulator.set(ipn="none")
    app = application(office)
    host = host_of(tenant.code)
    started = client.post(
        f"/payments/pay/{app.reference}/", {"gateway": "sslcommerz"}, HTTP_HOST=host
    )
    assert started.status_code == 302 and started["Location"].startswith(payment_simulator.url)
    tran = PaymentTransaction.objects.get(application=app)
    payment_simulator.choose(started["Location"])
    assert services.transaction_reconcile(tran_id=tran.tran_id).outcome == "paid"
    status = client.get(f"/payments/status/{tran.tran_id}/", HTTP_HOST=host, follow=True)
    text = status.content.decode()
    assert app.reference in text and "Nasima" not in text and 'id="receipt-pdf"' in text
    pdf = client.get(f"/payments/status/{tran.tran_id}/receipt.pdf", HTTP_HOST=host, follow=True)
    assert pdf["Content-Type"] == "application/pdf"
    assert app.reference in pdf_text(pdf.content)
    app.refresh_from_db()
    assert app.state == S.FEE_PAID
    payment_simulator.reset()

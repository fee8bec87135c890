"""Online payments end to end over real HTTP: the portal (gunicorn), the
gateway simulator (its own process) and, for reconciliation, a real Celery
worker.  Bills are committed from a separate process (the servers cannot see
a test transaction) once for the module and removed the same way."""

import http.client
import json
import re
import time
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.payments import services
from backoffice.payments.models import Payment, PaymentTransaction
from backoffice.payments.tasks import payment_reconcile_task
from tenants.audit.models import AuditEvent
from tests.backoffice.payments.live import committed_bills

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

KHULNA, JASHORE = "khulna.localhost", "jashore.localhost"
BILLS = 16


@pytest.fixture(scope="module")
def bills(live_portal, payment_simulator):
    yield from committed_bills(BILLS)


@pytest.fixture
def sim(payment_simulator):
    payment_simulator.reset()
    yield payment_simulator
    payment_simulator.reset()


@pytest.fixture
def bill(bills):
    return bills["khulna"].pop()


class Web:
    """A tiny browser for the portal: Host header, csrftoken cookie, no
    automatic redirects (glibc does not resolve *.localhost)."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, url: str, data=None, json_body=None):
        parts = urllib.parse.urlsplit(url)
        headers = {"Host": parts.netloc}  # with the port: callback URLs are built from it
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location") or "", text

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"


def start(web: Web, number: str, gateway: str = "sslcommerz", host: str = KHULNA) -> str:
    """Open the pay page and start a payment; the gateway page URL."""
    status, _, page = web.request("GET", web.url(host, f"/payments/pay/{number}/"))
    assert status == 200 and "1,234.50" in page
    status, location, page = web.request(
        "POST",
        web.url(host, f"/payments/pay/{number}/"),
        data={"gateway": gateway, "csrfmiddlewaretoken": web.cookies["csrftoken"]},
    )
    assert status == 302, page[-400:]
    return location


def choose(sim, gateway_url: str, outcome: str) -> dict:
    """On the hosted page, the customer chooses; where the gateway sends them."""
    parts = urllib.parse.urlsplit(gateway_url)
    key = urllib.parse.parse_qs(parts.query).get("sToken", [parts.path.rsplit("/", 1)[-1]])[0]
    with urllib.request.urlopen(gateway_url, timeout=30) as response:  # noqa: S310 - simulator
        assert "1234.50" in response.read().decode()
    request = urllib.request.Request(  # noqa: S310 - simulator
        f"{sim.url}/pay/{key}",
        data=urllib.parse.urlencode({"outcome": outcome}).encode(),
        headers={"Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - simulator
        return json.loads(response.read())


def come_back(web: Web, target: dict) -> str:
    """The browser returns to the portal; the state our status page shows."""
    if target["method"] == "POST":
        status, location, _ = web.request("POST", target["url"], data=target["fields"])
    else:
        status, location, _ = web.request("GET", target["url"])
    assert status == 302 and "/payments/status/" in location
    status, _, page = web.request("GET", web.url(KHULNA, location))
    assert status == 200
    return re.search(r'data-state="(\w+)"', page).group(1)


def tran_of(number: str) -> PaymentTransaction:
    with schema_context("khulna"):
        # The latest attempt on the bill.
        return PaymentTransaction.objects.filter(bill__number=number).order_by("-pk").first()


def payments_of(number: str) -> list[Payment]:
    with schema_context("khulna"):
        return list(Payment.objects.filter(bill__number=number))


def wait_ipns(sim, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ipns = sim.ipns()
        if len(ipns) >= count:
            return ipns
        time.sleep(0.2)
    raise AssertionError(f"expected {count} IPN(s), saw {sim.ipns()}")


@pytest.fixture
def web(live_portal):
    return Web(live_portal)


def test_success_with_the_ipn_before_the_redirect(sim, bill, web):
    target = choose(sim, start(web, bill), "success")
    assert [i["answers"] for i in sim.ipns()] == [[200]]  # the IPN came first
    tran = tran_of(bill)
    assert tran.state == "paid" and tran.risk_level == 0
    assert tran.validation_response["status"] == "VALID"
    assert come_back(web, target) == "paid"
    [payment] = payments_of(bill)
    assert payment.amount == Decimal("1234.50") and payment.transaction_id == tran.pk
    assert payment.receipt_number.startswith("R-")


def test_success_with_the_ipn_after_the_redirect(sim, bill, web):
    sim.set(ipn="after", delay=1.5)
    target = choose(sim, start(web, bill), "success")
    assert sim.ipns() == []
    # The redirect alone proves nothing: the portal validated it with the gateway.
    assert come_back(web, target) == "paid"
    assert tran_of(bill).validation_response["status"] == "VALID"
    assert wait_ipns(sim, 1)[0]["answers"] == [200]
    assert len(payments_of(bill)) == 1


def test_the_ipn_alone_settles_when_the_customer_never_comes_back(sim, bill, web):
    sim.set(ipn="after", delay=0.5)
    choose(sim, start(web, bill), "success")
    assert tran_of(bill).state == "pending"
    wait_ipns(sim, 1)
    assert tran_of(bill).state == "paid" and len(payments_of(bill)) == 1


def test_a_forged_success_redirect_marks_nothing_paid(sim, bill, web):
    sim.set(ipn="none")
    start(web, bill)
    tran = tran_of(bill)
    forged = {"tran_id": tran.tran_id, "status": "VALID", "val_id": "FORGED", "amount": "1234.50"}
    target = {"url": web.url(KHULNA, "/payments/return/sslcommerz/success/"), "method": "POST"}
    assert come_back(web, {**target, "fields": forged}) == "pending"
    assert tran_of(bill).state == "pending" and payments_of(bill) == []


@pytest.mark.parametrize("outcome, state", [("fail", "failed"), ("cancel", "cancelled")])
def test_failure_and_cancellation(sim, bill, web, outcome, state):
    target = choose(sim, start(web, bill), outcome)
    assert come_back(web, target) == state
    assert tran_of(bill).state == state and payments_of(bill) == []
    with schema_context("khulna"):  # asking again changes nothing: final states stay
        settlement = services.transaction_settle(tran_id=tran_of(bill).tran_id, source="test")
        assert settlement.outcome == state and settlement.payment is None


def test_the_same_ipn_ten_times_at_once_credits_once(sim, bill, web):
    sim.set(ipn="none")
    choose(sim, start(web, bill), "success")
    tran = tran_of(bill)
    assert tran.state == "pending"
    answers = sim.ipn(tran.tran_id, repeat=10)
    assert answers == [200] * 10
    assert tran_of(bill).state == "paid"
    assert len(payments_of(bill)) == 1
    with schema_context("khulna"):
        recorded = AuditEvent.objects.filter(
            action="payments.payment_recorded", data__tran_id=tran.tran_id
        )
        assert recorded.count() == 1


def test_a_tampered_amount_is_rejected(sim, bill, web):
    sim.set(tamper_amount="1.00")
    target = choose(sim, start(web, bill), "success")
    assert come_back(web, target) == "pending"
    tran = tran_of(bill)
    assert tran.state == "pending" and "amount mismatch" in tran.failure_reason
    assert payments_of(bill) == []
    with schema_context("khulna"):
        assert AuditEvent.objects.filter(
            action="payments.validation_rejected", object_id=str(tran.pk)
        ).exists()


def test_failed_validation_leaves_it_pending_until_reconciliation(sim, bill, web):
    sim.set(validation="fail")
    target = choose(sim, start(web, bill), "success")
    assert come_back(web, target) == "pending"
    assert tran_of(bill).state == "pending" and payments_of(bill) == []
    sim.set(validation="ok")
    with schema_context("khulna"):  # in-process, inside this test's transaction
        counts = services.reconcile_pending(min_age_seconds=0)
        assert counts.get("paid", 0) >= 1
        tran = PaymentTransaction.objects.get(bill__number=bill)
        assert tran.state == "paid" and Payment.objects.filter(transaction=tran).count() == 1


def test_a_risky_payment_is_held_for_review(sim, bill, web):
    sim.set(risk_level=1)
    target = choose(sim, start(web, bill), "success")
    assert come_back(web, target) == "pending"
    tran = tran_of(bill)
    assert tran.held_for_review and tran.risk_level == 1 and payments_of(bill) == []


def test_reconciliation_on_the_worker_settles_a_lost_ipn(sim, bill, web, celery_worker):
    sim.set(ipn="none")
    choose(sim, start(web, bill), "success")  # the customer closes the browser
    assert tran_of(bill).state == "pending"
    with schema_context("khulna"):
        result = payment_reconcile_task.delay(0).get(timeout=60)
    assert "paid: 1" in result
    assert tran_of(bill).state == "paid" and len(payments_of(bill)) == 1


@pytest.mark.parametrize("outcome, state", [("success", "paid"), ("cancel", "cancelled")])
def test_ekpay_flow(sim, bill, web, outcome, state):
    gateway_url = start(web, bill, gateway="ekpay")
    assert "/ekpaypg/v1?sToken=" in gateway_url
    target = choose(sim, gateway_url, outcome)
    assert target["method"] == "GET"
    assert come_back(web, target) == state
    assert tran_of(bill).gateway == "ekpay" and tran_of(bill).state == state
    assert len(payments_of(bill)) == (1 if state == "paid" else 0)


def test_a_khulna_transaction_is_unknown_on_jashore(sim, bills, bill, web):
    sim.set(ipn="none")
    choose(sim, start(web, bill, gateway="ekpay"), "success")
    tran_id = tran_of(bill).tran_id
    notification = {"msg_code": "1020", "trnx_info": {"trnx_id": tran_id}}
    status, _, _ = web.request(
        "POST", web.url(JASHORE, "/payments/ipn/ekpay/"), json_body=notification
    )
    assert status == 400
    status, location, _ = web.request("GET", web.url(JASHORE, f"/payments/status/{tran_id}/"))
    if status == 302:  # the locale middleware tries /en/... first
        status, _, _ = web.request("GET", web.url(JASHORE, location))
    assert status == 404
    assert tran_of(bill).state == "pending"
    # Jashore's own bill pays on Jashore's host.
    target = choose(sim, start(web, bills["jashore"], host=JASHORE), "success")
    assert target["url"].startswith(f"http://{JASHORE}:")


def test_a_refused_gateway_session_fails_the_attempt_and_the_bill_stays_due(sim, bill, web):
    sim.set(session="fail")
    web.request("GET", web.url(KHULNA, f"/payments/pay/{bill}/"))
    status, _, page = web.request(
        "POST",
        web.url(KHULNA, f"/payments/pay/{bill}/"),
        data={"gateway": "sslcommerz", "csrfmiddlewaretoken": web.cookies["csrftoken"]},
    )
    assert status == 200 and "could not be reached" in page
    tran = tran_of(bill)
    assert tran.state == "failed" and "Simulated session failure" in tran.failure_reason
    sim.set(session="ok")  # a new attempt on the same bill works
    target = choose(sim, start(web, bill), "success")
    assert come_back(web, target) == "paid" and len(payments_of(bill)) == 1

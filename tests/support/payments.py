"""The payment gateway simulator (backoffice/payments/simulator.py) as a
real process for the session, and a small client to steer it."""

import json
import os
import sys
import time
import urllib.parse
import urllib.request

from django.conf import settings

from tests.support.processes import Server, free_port

STORE_ID, STORE_PASSWORD = "imistest", "imistest@ssl"
MERCHANT_ID, MERCHANT_KEY = "imis_test", "imis-test-key"


class PaymentSimulator:
    def __init__(self, server: Server, url: str):
        self.server, self.url = server, url

    def call(self, path: str, payload: dict | None = None, *, accept_json: bool = True):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 - the simulator's own http URL
            self.url + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own
            return json.loads(response.read())

    def choose(self, redirect_url: str, outcome: str = "success") -> dict:
        """The customer's choice on the hosted page that ``redirect_url``
        (a transaction's redirect) opens; where the gateway sends them."""
        key = redirect_url.rstrip("/").rsplit("/", 1)[-1]
        request = urllib.request.Request(  # noqa: S310 - the simulator's own http URL
            f"{self.url}/pay/{key}",
            data=urllib.parse.urlencode({"outcome": outcome}).encode(),
            headers={"Accept": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own
            return json.loads(response.read())

    def set(self, **controls) -> dict:
        return self.call("/control/set", controls)

    def reset(self) -> None:
        self.call("/control/reset", {})

    def transactions(self) -> list[dict]:
        return self.call("/control/transactions")

    def ipns(self) -> list[dict]:
        return self.call("/control/ipns")

    def ipn(self, tran_id: str, repeat: int = 1) -> list[int]:
        return self.call("/control/ipn", {"tran_id": tran_id, "repeat": repeat})["answers"]

    def stop(self) -> None:
        self.server.stop()


def payment_simulator_start() -> PaymentSimulator:
    """Start the simulator and point this process, and the servers and
    workers started after it, at it (they inherit the environment)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Server(
        "payment-simulator",
        [
            sys.executable,
            "-m",
            "backoffice.payments.simulator",
            "--port",
            str(port),
            "--store-id",
            STORE_ID,
            "--store-password",
            STORE_PASSWORD,
            "--merchant-id",
            MERCHANT_ID,
            "--merchant-key",
            MERCHANT_KEY,
        ],
    )
    simulator = PaymentSimulator(server, url)
    deadline = time.monotonic() + 20
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(
                "the payment simulator exited; see var/log/test-payment-simulator.log"
            )
        try:
            simulator.transactions()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("the payment simulator did not answer within 20 s") from None
            time.sleep(0.1)
    values = {
        "IMIS_SSLCOMMERZ_URL": url,
        "IMIS_SSLCOMMERZ_STORE_ID": STORE_ID,
        "IMIS_SSLCOMMERZ_STORE_PASSWORD": STORE_PASSWORD,
        "IMIS_EKPAY_URL": url,
        "IMIS_EKPAY_MERCHANT_ID": MERCHANT_ID,
        "IMIS_EKPAY_MERCHANT_KEY": MERCHANT_KEY,
    }
    os.environ.update(values)
    for key, value in values.items():
        setattr(settings, key, value)
    return simulator


def sslcommerz_callbacks(host: str):
    """The portal's SSLCommerz callback URLs on a municipality's host."""
    from backoffice.payments.adapters.base import CallbackUrls

    base = f"http://{host}/payments"
    return CallbackUrls(
        success=f"{base}/return/sslcommerz/success/",
        fail=f"{base}/return/sslcommerz/fail/",
        cancel=f"{base}/return/sslcommerz/cancel/",
        ipn=f"{base}/ipn/sslcommerz/",
    )

"""The SMS gateway simulator (backoffice/notifications/simulator.py) as a
real process for the session, and a small client to read and steer it."""

import json
import os
import sys
import time
import urllib.request

from django.conf import settings

from tests.support.processes import Server, free_port

TOKEN = "test-simulator-token"
SID = "IMISTEST"


class SmsSimulator:
    def __init__(self, server: Server, url: str):
        self.server, self.url = server, url

    def _call(self, path: str, payload: dict | None = None):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 - the simulator's own http URL
            self.url + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own
            return json.loads(response.read())

    def messages(self, phone: str = "") -> list[dict]:
        msisdn = phone.lstrip("+")
        return self._call(f"/messages?msisdn={msisdn}" if msisdn else "/messages")

    def fail(self, mode: str = "error", count: int = 1) -> None:
        self._call("/control/fail", {"mode": mode, "count": count})

    def reset(self) -> None:
        self._call("/control/reset", {})

    def requests(self) -> int:
        return self._call("/control/stats")["requests"]

    def stop(self) -> None:
        self.server.stop()


def sms_simulator_start() -> SmsSimulator:
    """Start the simulator and point this process, and the servers and
    workers started after it, at it (they inherit the environment)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Server(
        "sms-simulator",
        [
            sys.executable,
            "-m",
            "backoffice.notifications.simulator",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--sid",
            SID,
        ],
    )
    simulator = SmsSimulator(server, url)
    deadline = time.monotonic() + 20
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError("the SMS simulator exited; see var/log/test-sms-simulator.log")
        try:
            simulator.messages()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("the SMS simulator did not answer within 20 s") from None
            time.sleep(0.1)
    values = {
        "IMIS_SMS_URL": url,
        "IMIS_SMS_API_TOKEN": TOKEN,
        "IMIS_SMS_SID": SID,
        "IMIS_SMS_RETRY_BACKOFF_SECONDS": "0",
        "IMIS_SMS_MAX_ATTEMPTS": "3",
    }
    os.environ.update(values)
    settings.IMIS_SMS_URL, settings.IMIS_SMS_API_TOKEN, settings.IMIS_SMS_SID = url, TOKEN, SID
    settings.IMIS_SMS_RETRY_BACKOFF_SECONDS, settings.IMIS_SMS_MAX_ATTEMPTS = 0, 3
    return simulator

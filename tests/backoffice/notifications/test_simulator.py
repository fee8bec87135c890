"""The gateway simulator answers like SSL Wireless API v3 does (shape and
status codes), keeps what it received and shows it."""

import json
import urllib.error
import urllib.request

import pytest

from tests.support.sms import SID, TOKEN

PAYLOAD = {
    "api_token": TOKEN,
    "sid": SID,
    "msisdn": "8801711000041",
    "sms": "Test",
    "csms_id": "SIMTEST1",
}


@pytest.fixture
def sim(sms_simulator):
    sms_simulator.reset()
    yield sms_simulator
    sms_simulator.reset()


def post(sim, body: bytes, content_type="application/json") -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the local simulator
        sim.url + "/api/v3/send-sms", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_success_shape_and_duplicate_csms_id(sim):
    status, answer = post(sim, json.dumps(PAYLOAD).encode())
    assert status == 200 and answer["status"] == "SUCCESS" and answer["status_code"] == 200
    [info] = answer["smsinfo"]
    assert info["sms_status"] == "SUCCESS" and info["csms_id"] == "SIMTEST1"
    assert info["sms_type"] == "EN" and info["reference_id"]
    status, answer = post(sim, json.dumps(PAYLOAD).encode())
    assert (answer["status"], answer["status_code"]) == ("FAILED", 4023)
    assert len(sim.messages("+8801711000041")) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"not json", "application/json", 4005),
        (json.dumps(PAYLOAD).encode(), "text/plain", 4005),
        (json.dumps({**PAYLOAD, "sms": ""}).encode(), "application/json", 4022),
        (json.dumps({**PAYLOAD, "api_token": "x"}).encode(), "application/json", 4001),
    ],
)
def test_refusals(sim, body, content_type, code):
    status, answer = post(sim, body, content_type)
    assert status == 200 and answer["status_code"] == code and answer["error_message"]
    assert sim.messages() == []


def test_failure_modes_and_the_message_page(sim):
    sim.fail("http500", count=1)
    assert post(sim, json.dumps(PAYLOAD).encode())[0] == 500
    sim.fail("error", count=1)
    assert post(sim, json.dumps(PAYLOAD).encode())[1]["status_code"] == 5000
    assert post(sim, json.dumps({**PAYLOAD, "sms": "<b>হ্যালো</b>"}).encode())[0] == 200
    with urllib.request.urlopen(sim.url + "/", timeout=5) as response:  # noqa: S310 - local
        page = response.read().decode()
    assert "&lt;b&gt;হ্যালো&lt;/b&gt;" in page  # escaped
    assert sim.requests() == 3

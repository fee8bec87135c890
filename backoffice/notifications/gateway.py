"""The SMS gateway adapter: SSL Wireless ISMS Plus, API v3 (Bangladesh).

Protocol (single SMS), as SSL Wireless documents it:

    POST {base}/api/v3/send-sms          Content-Type: application/json
    {"api_token": "...",  # max 50 characters
     "sid": "...",        # sender ID / masking, max 20
     "msisdn": "8801XXXXXXXXX",
     "sms": "text",       # max 1000 characters (Unicode counts shorter)
     "csms_id": "..."}    # client message ID, max 20, unique per day

    200 {"status": "SUCCESS", "status_code": 200, "error_message": "",
         "smsinfo": [{"sms_status": "SUCCESS", "status_message": "Success",
                      "msisdn": "8801...", "sms_type": "EN" | "BN",
                      "sms_body": "...", "csms_id": "...",
                      "reference_id": "5da2f0b5ba3a2248110"}]}
    errors: {"status": "FAILED", "status_code": 4001, "error_message": "..."}
      4001 unauthorised (token), 4002 SID not permitted, 4003 IP blacklisted,
      4005 not JSON, 4020 invalid csms_id, 4022 parameter missing,
      4023 duplicate csms_id (same day), 4025 invalid MSISDN, 4026 blocked
      MSISDN, 4027 message too long, 4029 too many requests, 4031 TPS
      exceeded, 5000 unknown error.

A duplicate csms_id means the gateway already took this very message (we
retried after a lost answer): it counts as sent.  Rate limits, 5000, HTTP
errors and network failures are worth retrying; the other codes are not.
``backoffice/notifications/simulator.py`` speaks the same protocol locally.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

SEND_PATH = "/api/v3/send-sms"
DUPLICATE_CSMS_ID = 4023
RETRYABLE_CODES = frozenset({4029, 4031, 5000})


@dataclass(frozen=True)
class SendResult:
    reference: str
    duplicate: bool = False


class GatewayError(Exception):
    def __init__(self, message: str, *, retryable: bool, code: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


def msisdn_from_phone(phone: str) -> str:
    """+8801XXXXXXXXX (how we store phones) -> 8801XXXXXXXXX."""
    return phone.lstrip("+")


class SslWirelessGateway:
    def __init__(self, *, base_url: str, api_token: str, sid: str, timeout: float):
        self.url = base_url.rstrip("/") + SEND_PATH
        self.api_token, self.sid, self.timeout = api_token, sid, timeout

    def send(self, *, phone: str, text: str, csms_id: str) -> SendResult:
        if not self.url.startswith(("https://", "http://")):
            raise GatewayError(f"bad gateway URL {self.url!r}", retryable=False)
        payload = {
            "api_token": self.api_token,
            "sid": self.sid,
            "msisdn": msisdn_from_phone(phone),
            "sms": text,
            "csms_id": csms_id,
        }
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise GatewayError(f"HTTP {exc.code} from the gateway", retryable=True) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GatewayError(f"gateway unreachable: {exc}", retryable=True) from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise GatewayError("the gateway's answer is not JSON", retryable=True) from exc
        return self._result(answer, csms_id)

    @staticmethod
    def _result(answer: dict, csms_id: str) -> SendResult:
        code = answer.get("status_code")
        if answer.get("status") == "SUCCESS" and code == 200:
            info = next(
                (i for i in answer.get("smsinfo") or [] if i.get("csms_id") == csms_id), None
            )
            if info is None or info.get("sms_status") != "SUCCESS":
                status = (info or {}).get("status_message") or "no smsinfo for this message"
                raise GatewayError(f"message refused: {status}", retryable=False, code=code)
            return SendResult(reference=str(info.get("reference_id") or ""))
        if code == DUPLICATE_CSMS_ID:
            return SendResult(reference="", duplicate=True)
        message = answer.get("error_message") or "unknown error"
        raise GatewayError(
            f"gateway error {code}: {message}", retryable=code in RETRYABLE_CODES, code=code
        )


def gateway_get() -> SslWirelessGateway:
    return SslWirelessGateway(
        base_url=settings.IMIS_SMS_URL,
        api_token=settings.IMIS_SMS_API_TOKEN,
        sid=settings.IMIS_SMS_SID,
        timeout=settings.IMIS_SMS_TIMEOUT_SECONDS,
    )

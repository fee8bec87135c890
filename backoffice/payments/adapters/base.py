"""The gateway adapter interface.  A service never trusts what the browser
or the notification carries: ``verify`` and ``query`` ask the gateway's own
server-side API and return what it answered."""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not be reached or answered nonsense (try again later)."""


@dataclass(frozen=True)
class CallbackUrls:
    success: str
    fail: str
    cancel: str
    ipn: str


@dataclass(frozen=True)
class SessionStart:
    redirect_url: str
    session_key: str = ""


@dataclass(frozen=True)
class Verdict:
    """The gateway's own word on one transaction.

    status: "paid" (the gateway says it is settled), "pending" (not yet, or
    unknown), "failed", "cancelled" or "invalid" (the gateway does not know
    this validation id)."""

    status: str
    tran_id: str = ""
    gateway_tran_id: str = ""
    amount: Decimal | None = None
    currency: str = ""
    risk_level: int | None = None
    raw: dict = field(default_factory=dict)


class GatewayAdapter(Protocol):
    slug: str

    def session_start(
        self, *, tran_id: str, amount: Decimal, currency: str, urls: CallbackUrls, info: dict
    ) -> SessionStart: ...

    def verify(self, *, tran_id: str, params: dict) -> Verdict:
        """Validate a redirect or notification server-side (``params`` is what
        it carried: only identifiers are taken from it)."""

    def query(self, *, tran_id: str) -> Verdict:
        """Ask the gateway about ``tran_id`` (reconciliation)."""


def decimal_or_none(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return None


def http_json(
    url: str, *, timeout: float, form: dict | None = None, body: dict | None = None
) -> dict:
    """POST a form or JSON body (GET without one) and read a JSON object."""
    if not url.startswith(("https://", "http://")):
        raise GatewayError(f"bad gateway URL {url!r}")
    headers = {"Accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise GatewayError(f"HTTP {exc.code} from the gateway") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GatewayError(f"gateway unreachable: {exc}") from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise GatewayError("the gateway's answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise GatewayError("the gateway's answer is not a JSON object")
    return answer

"""SSLCommerz v4 (Bangladesh), as its integration guide describes it.

1. Session: POST {base}/gwprocess/v4/api.php (form) with store_id,
   store_passwd, total_amount, currency, tran_id, success_url, fail_url,
   cancel_url, ipn_url, customer and product fields -> JSON
   {"status": "SUCCESS", "sessionkey": ..., "GatewayPageURL": ...} or
   {"status": "FAILED", "failedreason": ...}.  The customer is redirected to
   GatewayPageURL.
2. The gateway POSTs the customer back to success_url / fail_url /
   cancel_url, and POSTs the IPN (val_id, tran_id, amount, currency, status,
   risk_level, verify_sign, verify_key, ...) to ipn_url.
3. Mandatory validation: GET {base}/validator/api/validationserverAPI.php
   ?val_id=..&store_id=..&store_passwd=..&v=1&format=json -> status VALID or
   VALIDATED (already validated once) with tran_id, amount, currency,
   bank_tran_id, risk_level (0 safe, 1 risky: hold for review); anything
   else (INVALID_TRANSACTION) is not a payment.
4. Query by our tran_id (reconciliation): GET
   {base}/validator/api/merchantTransIDvalidationAPI.php?tran_id=..
   &store_id=..&store_passwd=..&format=json -> {"APIConnect": "DONE",
   "no_of_trans_found": n, "element": [{status, val_id, amount, ...}]}.

verify_sign is md5 over the keys listed in verify_key plus store_passwd as
md5(store password), sorted by key, joined as "k=v&...".  It only shows the
notification was not altered on the way; the validation API decides.
"""

import hashlib
import urllib.parse
from decimal import Decimal

from backoffice.payments.adapters.base import (
    CallbackUrls,
    GatewayError,
    SessionStart,
    Verdict,
    decimal_or_none,
    http_json,
)

SESSION_PATH = "/gwprocess/v4/api.php"
VALIDATION_PATH = "/validator/api/validationserverAPI.php"
QUERY_PATH = "/validator/api/merchantTransIDvalidationAPI.php"
PAID = {"VALID", "VALIDATED"}
STATUS_MAP = {"FAILED": "failed", "CANCELLED": "cancelled", "UNATTEMPTED": "failed"}


def verify_sign_of(params: dict, store_password: str) -> str:
    keys = [k for k in str(params.get("verify_key", "")).split(",") if k]
    values = {k: str(params.get(k, "")) for k in keys}
    values["store_passwd"] = hashlib.md5(store_password.encode()).hexdigest()  # noqa: S324
    joined = "&".join(f"{k}={values[k]}" for k in sorted(values)) + "&"
    return hashlib.md5(joined.encode()).hexdigest()  # noqa: S324 - the protocol's hash


def _risk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SslCommerzAdapter:
    slug = "sslcommerz"

    def __init__(self, *, base_url: str, store_id: str, store_password: str, timeout: float):
        self.base = base_url.rstrip("/")
        self.store_id, self.store_password, self.timeout = store_id, store_password, timeout

    def session_start(
        self, *, tran_id: str, amount: Decimal, currency: str, urls: CallbackUrls, info: dict
    ) -> SessionStart:
        form = {
            "store_id": self.store_id,
            "store_passwd": self.store_password,
            "total_amount": f"{amount:.2f}",
            "currency": currency,
            "tran_id": tran_id,
            "success_url": urls.success,
            "fail_url": urls.fail,
            "cancel_url": urls.cancel,
            "ipn_url": urls.ipn,
            "cus_name": info.get("name") or "Taxpayer",
            "cus_email": info.get("email") or "noreply@example.org",
            "cus_add1": info.get("address") or "N/A",
            "cus_city": info.get("city") or "N/A",
            "cus_country": "Bangladesh",
            "cus_phone": info.get("phone") or "N/A",
            "shipping_method": "NO",
            "num_of_item": 1,
            "product_name": info.get("product") or "Holding tax",
            "product_category": "Tax",
            "product_profile": "non-physical-goods",
            "value_a": info.get("bill", ""),
        }
        answer = http_json(self.base + SESSION_PATH, form=form, timeout=self.timeout)
        if answer.get("status") != "SUCCESS" or not answer.get("GatewayPageURL"):
            raise GatewayError(f"session refused: {answer.get('failedreason') or 'no reason'}")
        return SessionStart(
            redirect_url=str(answer["GatewayPageURL"]),
            session_key=str(answer.get("sessionkey") or ""),
        )

    def _auth(self) -> dict:
        return {"store_id": self.store_id, "store_passwd": self.store_password}

    def sign_ok(self, params: dict) -> bool:
        sign = str(params.get("verify_sign", ""))
        return bool(sign) and sign == verify_sign_of(params, self.store_password)

    def verify(self, *, tran_id: str, params: dict) -> Verdict:
        val_id = str(params.get("val_id") or "")
        if not val_id:
            # A fail/cancel redirect carries no val_id: ask by our own id.
            return self.query(tran_id=tran_id)
        query = urllib.parse.urlencode({"val_id": val_id, **self._auth(), "v": 1, "format": "json"})
        answer = http_json(f"{self.base}{VALIDATION_PATH}?{query}", timeout=self.timeout)
        return self._verdict(answer)

    def query(self, *, tran_id: str) -> Verdict:
        query = urllib.parse.urlencode({"tran_id": tran_id, **self._auth(), "format": "json"})
        answer = http_json(f"{self.base}{QUERY_PATH}?{query}", timeout=self.timeout)
        if answer.get("APIConnect") != "DONE":
            raise GatewayError(f"query refused: {answer.get('APIConnect')}")
        elements = answer.get("element") or []
        paid = [e for e in elements if str(e.get("status", "")).upper() in PAID]
        if paid:
            return self._verdict(paid[0])
        if elements:
            return self._verdict(elements[-1])
        return Verdict(status="pending", tran_id=tran_id, raw=answer)

    @staticmethod
    def _verdict(answer: dict) -> Verdict:
        raw_status = str(answer.get("status", "")).upper()
        if raw_status in PAID:
            status = "paid"
        elif raw_status in STATUS_MAP:
            status = STATUS_MAP[raw_status]
        elif raw_status in {"PENDING", "PROCESSING", ""}:
            status = "pending"
        else:  # INVALID_TRANSACTION and the like
            status = "invalid"
        return Verdict(
            status=status,
            tran_id=str(answer.get("tran_id") or ""),
            gateway_tran_id=str(answer.get("bank_tran_id") or answer.get("val_id") or ""),
            amount=decimal_or_none(answer.get("amount")),
            currency=str(answer.get("currency_type") or answer.get("currency") or ""),
            risk_level=_risk(answer.get("risk_level")),
            raw=answer,
        )

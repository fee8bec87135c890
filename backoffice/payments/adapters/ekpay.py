"""ekPay-style flow (the Bangladesh government payment gateway's merchant API).

1. Token: POST {base}/ekpaypg/v1/merchant-api (JSON) with
   mer_info {mer_reg_id, mer_pas_key}, req_timestamp, feed_uri {s_uri, f_uri,
   c_uri}, cust_info, trns_info {trnx_id, trnx_amt, trnx_currency, ord_id,
   ord_det}, ipn_info {ipn_channel, ipn_email, ipn_uri}, mac_addr ->
   {"secure_token": ..., "msg_code": "1000", "msg_det": ...}.
2. Redirect the customer to {base}/ekpaypg/v1?sToken=TOKEN&trnsID=TRNX_ID.
3. ekPay sends the customer back to s_uri / f_uri / c_uri (with
   transId) and POSTs a JSON notification to ipn_uri.
4. Status check: POST {base}/ekpaypg/v1/get-status {"username": mer_reg_id,
   "trnx_id": ..., "trans_date": "YYYY-MM-DD"} -> {"msg_code": "1020"
   (paid) | "1021" (failed) | "1022" (cancelled) | "1023" (pending) |
   "1011" (unknown), "trnx_info": {trnx_id, trnx_amt, trnx_currency,
   ekpay_trnx_id}}.  Only this answer decides.
"""

import urllib.parse
from decimal import Decimal

from django.utils import timezone

from backoffice.payments.adapters.base import (
    CallbackUrls,
    GatewayError,
    SessionStart,
    Verdict,
    decimal_or_none,
    http_json,
)

TOKEN_PATH = "/ekpaypg/v1/merchant-api"  # noqa: S105 - a URL path
PAGE_PATH = "/ekpaypg/v1"
STATUS_PATH = "/ekpaypg/v1/get-status"
CODES = {"1020": "paid", "1021": "failed", "1022": "cancelled", "1023": "pending"}


class EkPayAdapter:
    slug = "ekpay"

    def __init__(self, *, base_url: str, store_id: str, store_password: str, timeout: float):
        self.base = base_url.rstrip("/")
        self.merchant_id, self.merchant_key, self.timeout = store_id, store_password, timeout

    def session_start(
        self, *, tran_id: str, amount: Decimal, currency: str, urls: CallbackUrls, info: dict
    ) -> SessionStart:
        body = {
            "mer_info": {"mer_reg_id": self.merchant_id, "mer_pas_key": self.merchant_key},
            "req_timestamp": timezone.now().strftime("%Y-%m-%d %H:%M:%S GMT+0000"),
            "feed_uri": {"s_uri": urls.success, "f_uri": urls.fail, "c_uri": urls.cancel},
            "cust_info": {
                "cust_id": info.get("holding", ""),
                "cust_name": info.get("name") or "Taxpayer",
                "cust_mobo_no": info.get("phone") or "",
                "cust_email": info.get("email") or "",
                "cust_mail_addr": info.get("address") or "",
            },
            "trns_info": {
                "trnx_id": tran_id,
                "trnx_amt": f"{amount:.2f}",
                "trnx_currency": currency,
                "ord_id": info.get("bill", tran_id),
                "ord_det": info.get("product") or "Holding tax",
            },
            "ipn_info": {"ipn_channel": "1", "ipn_email": "", "ipn_uri": urls.ipn},
            "mac_addr": "1.1.1.1",
        }
        answer = http_json(self.base + TOKEN_PATH, body=body, timeout=self.timeout)
        token = answer.get("secure_token")
        if str(answer.get("msg_code")) != "1000" or not token:
            raise GatewayError(f"token refused: {answer.get('msg_det') or 'no reason'}")
        query = urllib.parse.urlencode({"sToken": token, "trnsID": tran_id})
        return SessionStart(redirect_url=f"{self.base}{PAGE_PATH}?{query}", session_key=token)

    def verify(self, *, tran_id: str, params: dict) -> Verdict:
        # The callback and the notification carry nothing we rely on.
        return self.query(tran_id=tran_id)

    def query(self, *, tran_id: str) -> Verdict:
        body = {
            "username": self.merchant_id,
            "trnx_id": tran_id,
            "trans_date": timezone.localdate().isoformat(),
        }
        answer = http_json(self.base + STATUS_PATH, body=body, timeout=self.timeout)
        code = str(answer.get("msg_code") or "")
        info = answer.get("trnx_info") or {}
        return Verdict(
            status=CODES.get(code, "invalid" if code == "1011" else "pending"),
            tran_id=str(info.get("trnx_id") or ""),
            gateway_tran_id=str(info.get("ekpay_trnx_id") or ""),
            amount=decimal_or_none(info.get("trnx_amt")),
            currency=str(info.get("trnx_currency") or ""),
            risk_level=0,
            raw=answer,
        )

"""A local payment gateway for development and tests, speaking SSLCommerz v4
and the ekPay-style API (see adapters/).  Standard library only:

    python -m backoffice.payments.simulator --port 8026

Gateway side (what the adapters call):
    POST /gwprocess/v4/api.php                          SSLCommerz session
    GET  /EasyCheckOut/<sessionkey>                     hosted payment page
    GET  /validator/api/validationserverAPI.php         validation API
    GET  /validator/api/merchantTransIDvalidationAPI.php  query by tran_id
    POST /ekpaypg/v1/merchant-api                       ekPay token
    GET  /ekpaypg/v1?sToken=..&trnsID=..                hosted payment page
    POST /ekpaypg/v1/get-status                         ekPay status check

The hosted page offers success, failure and cancel; its form POSTs to
/pay/<key> (with ``Accept: application/json`` it answers where the customer
would be sent instead of the auto-submitting form).  Test controls (JSON):
    POST /control/set {"ipn": "before"|"after"|"none", "repeat": N,
                       "delay": seconds, "tamper_amount": "1.00",
                       "validation": "ok"|"fail", "risk_level": 0|1,
                       "session": "ok"|"fail"}   applies until reset
    POST /control/ipn {"tran_id": .., "repeat": N}  send the IPN now, N at once
    POST /control/reset
    GET  /control/transactions                  what the gateway knows
    GET  /control/ipns                          IPNs sent and our answers
IPNs to *.localhost hosts go to 127.0.0.1 with the Host header (glibc does
not resolve *.localhost).
"""

import argparse
import hashlib
import html
import http.client
import json
import secrets
import threading
import time
import urllib.parse
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULTS = {
    "ipn": "before",
    "repeat": 1,
    "delay": 0.0,
    "tamper_amount": None,
    "validation": "ok",
    "risk_level": 0,
    "session": "ok",
}


class State:
    def __init__(self, store_id: str, store_password: str, merchant_id: str, merchant_key: str):
        self.store_id, self.store_password = store_id, store_password
        self.merchant_id, self.merchant_key = merchant_id, merchant_key
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.sessions: dict[str, dict] = {}  # key -> session
            self.controls = dict(DEFAULTS)
            self.ipns: list[dict] = []

    def by(self, field: str, value: str) -> dict | None:
        with self.lock:
            return next((s for s in self.sessions.values() if s.get(field) == value), None)


def _money(value) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount if amount > 0 else None


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - SSLCommerz's own scheme


def sslcommerz_ipn_fields(state: State, s: dict) -> dict:
    fields = {
        "status": s["status"],
        "tran_id": s["tran_id"],
        "val_id": s.get("val_id", ""),
        "amount": s["paid_amount"],
        "store_amount": s["paid_amount"],
        "currency": s["currency"],
        "bank_tran_id": s.get("bank_tran_id", ""),
        "card_type": "VISA-Dutch Bangla",
        "tran_date": s.get("tran_date", ""),
        "currency_type": s["currency"],
        "currency_amount": s["paid_amount"],
        "risk_level": str(state.controls["risk_level"]),
        "risk_title": "Safe" if not state.controls["risk_level"] else "Risky",
        "value_a": s.get("value_a", ""),
    }
    keys = sorted(fields)
    fields["verify_key"] = ",".join(keys)
    signed = {k: fields[k] for k in keys}
    signed["store_passwd"] = _md5(state.store_password)
    fields["verify_sign"] = _md5("&".join(f"{k}={signed[k]}" for k in sorted(signed)) + "&")
    return fields


def ekpay_status_body(s: dict) -> dict:
    code = {"VALID": "1020", "FAILED": "1021", "CANCELLED": "1022"}.get(s["status"], "1023")
    return {
        "msg_code": code,
        "msg_det": {"1020": "Transaction successful"}.get(code, s["status"].lower()),
        "trnx_info": {
            "trnx_id": s["tran_id"],
            "trnx_amt": s["paid_amount"],
            "trnx_currency": s["currency"],
            "ekpay_trnx_id": s.get("bank_tran_id", ""),
        },
    }


def post_to(url: str, body: bytes, content_type: str, timeout: float = 30) -> int:
    """POST to our portal; *.localhost goes to 127.0.0.1 with the Host header."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    connect = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(connect, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(
            "POST", path, body=body, headers={"Host": parts.netloc, "Content-Type": content_type}
        )
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def ipn_send(state: State, s: dict, repeat: int = 1) -> list[int]:
    """Send the session's IPN ``repeat`` times at once; our answers' statuses."""
    if s["gateway"] == "sslcommerz":
        body = urllib.parse.urlencode(sslcommerz_ipn_fields(state, s)).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body = json.dumps(ekpay_status_body(s)).encode()
        content_type = "application/json"
    results: list[int] = [0] * max(repeat, 1)
    barrier = threading.Barrier(len(results))

    def one(i: int) -> None:
        barrier.wait(timeout=10)
        results[i] = post_to(s["ipn_url"], body, content_type)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with state.lock:
        state.ipns.append({"tran_id": s["tran_id"], "status": s["status"], "answers": results})
    return results


def _session_new(
    state: State, gateway: str, tran_id: str, amount: Decimal, currency: str, urls: dict, extra=None
) -> dict:
    key = secrets.token_hex(16)
    paid = state.controls["tamper_amount"] or f"{amount:.2f}"
    s = {
        "key": key,
        "gateway": gateway,
        "tran_id": tran_id,
        "amount": f"{amount:.2f}",
        "paid_amount": str(paid),
        "currency": currency,
        "status": "PENDING",
        "validated": 0,
        "created": datetime.now().isoformat(),
        **urls,
        **(extra or {}),
    }
    with state.lock:
        state.sessions[key] = s
    return s


def sslcommerz_session(state: State, form: dict) -> dict:
    if form.get("store_id") != state.store_id or form.get("store_passwd") != state.store_password:
        return {"status": "FAILED", "failedreason": "Store Credential Error Or Store is De-active"}
    if state.controls["session"] == "fail":
        return {"status": "FAILED", "failedreason": "Simulated session failure"}
    amount = _money(form.get("total_amount"))
    missing = [k for k in ("tran_id", "success_url", "fail_url", "cancel_url") if not form.get(k)]
    if amount is None or missing:
        return {"status": "FAILED", "failedreason": f"Invalid data: {missing or 'total_amount'}"}
    if state.by("tran_id", form["tran_id"]):
        return {"status": "FAILED", "failedreason": "Duplicate tran_id"}
    s = _session_new(
        state,
        "sslcommerz",
        form["tran_id"],
        amount,
        form.get("currency", "BDT"),
        {
            "success_url": form["success_url"],
            "fail_url": form["fail_url"],
            "cancel_url": form["cancel_url"],
            "ipn_url": form.get("ipn_url", ""),
        },
        {"value_a": form.get("value_a", "")},
    )
    return {
        "status": "SUCCESS",
        "failedreason": "",
        "sessionkey": s["key"],
        "GatewayPageURL": f"{state.base_url}/EasyCheckOut/{s['key']}",
    }


def ekpay_token(state: State, data: dict) -> dict:
    mer = data.get("mer_info") or {}
    if mer.get("mer_reg_id") != state.merchant_id or mer.get("mer_pas_key") != state.merchant_key:
        return {"msg_code": "4001", "msg_det": "Invalid merchant credentials"}
    if state.controls["session"] == "fail":
        return {"msg_code": "5000", "msg_det": "Simulated token failure"}
    trns, feed, ipn = (
        data.get("trns_info") or {},
        data.get("feed_uri") or {},
        data.get("ipn_info") or {},
    )
    amount = _money(trns.get("trnx_amt"))
    if amount is None or not trns.get("trnx_id") or not feed.get("s_uri"):
        return {"msg_code": "4002", "msg_det": "Invalid request"}
    if state.by("tran_id", trns["trnx_id"]):
        return {"msg_code": "4003", "msg_det": "Duplicate transaction id"}
    s = _session_new(
        state,
        "ekpay",
        trns["trnx_id"],
        amount,
        trns.get("trnx_currency", "BDT"),
        {
            "success_url": feed["s_uri"],
            "fail_url": feed.get("f_uri", ""),
            "cancel_url": feed.get("c_uri", ""),
            "ipn_url": ipn.get("ipn_uri", ""),
        },
    )
    return {"secure_token": s["key"], "msg_code": "1000", "msg_det": "Token generated"}


def pay(state: State, key: str, outcome: str) -> dict | None:
    """The customer's choice on the hosted page; where they are sent next."""
    with state.lock:
        s = state.sessions.get(key)
        if s is None or s["status"] != "PENDING":
            return None
        if outcome == "success":
            s["status"] = "VALID"
            s["val_id"] = datetime.now().strftime("%y%m%d%H%M%S") + secrets.token_hex(4)
            s["bank_tran_id"] = "B" + secrets.token_hex(8).upper()
            s["tran_date"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            url = s["success_url"]
        elif outcome == "fail":
            s["status"], url = "FAILED", s["fail_url"]
        else:
            s["status"], url = "CANCELLED", s["cancel_url"]
        controls = dict(state.controls)
        s = dict(s)
    mode, repeat, delay = controls["ipn"], int(controls["repeat"]), float(controls["delay"])
    if s["ipn_url"] and mode != "none":
        if mode == "before" and not delay:
            ipn_send(state, s, repeat)
        else:
            wait = delay if delay else 1.0

            def later() -> None:
                time.sleep(wait)
                ipn_send(state, s, repeat)

            threading.Thread(target=later, daemon=True).start()
    if s["gateway"] == "sslcommerz":
        fields = {"tran_id": s["tran_id"], "status": s["status"]}
        if outcome == "success":
            fields.update(sslcommerz_ipn_fields(state, s))
        return {"url": url, "method": "POST", "fields": fields}
    query = urllib.parse.urlencode({"transId": s["tran_id"]})
    return {"url": f"{url}{'&' if '?' in url else '?'}{query}", "method": "GET", "fields": {}}


def validation_answer(state: State, params: dict) -> dict:
    if (
        params.get("store_id") != state.store_id
        or params.get("store_passwd") != state.store_password
    ):
        return {"status": "INVALID_TRANSACTION", "error": "Store credentials"}
    s = state.by("val_id", params.get("val_id", "")) if params.get("val_id") else None
    if s is None or state.controls["validation"] == "fail":
        return {"status": "INVALID_TRANSACTION"}
    with state.lock:
        s["validated"] += 1
        status = "VALID" if s["validated"] == 1 else "VALIDATED"
    return {
        "status": status,
        "tran_date": s.get("tran_date", ""),
        "tran_id": s["tran_id"],
        "val_id": s["val_id"],
        "amount": s["paid_amount"],
        "store_amount": s["paid_amount"],
        "currency": s["currency"],
        "bank_tran_id": s["bank_tran_id"],
        "card_type": "VISA-Dutch Bangla",
        "currency_type": s["currency"],
        "currency_amount": s["paid_amount"],
        "risk_level": str(state.controls["risk_level"]),
        "risk_title": "Safe" if not state.controls["risk_level"] else "Risky",
        "value_a": s.get("value_a", ""),
    }


def query_answer(state: State, params: dict) -> dict:
    if (
        params.get("store_id") != state.store_id
        or params.get("store_passwd") != state.store_password
    ):
        return {"APIConnect": "INVALID_REQUEST"}
    s = state.by("tran_id", params.get("tran_id", ""))
    if s is None or s["gateway"] != "sslcommerz":
        return {"APIConnect": "DONE", "no_of_trans_found": 0, "element": []}
    if state.controls["validation"] == "fail":
        return {"APIConnect": "DONE", "no_of_trans_found": 0, "element": []}
    element = {
        "val_id": s.get("val_id", ""),
        "status": s["status"],
        "tran_date": s.get("tran_date", ""),
        "tran_id": s["tran_id"],
        "amount": s["paid_amount"],
        "currency": s["currency"],
        "currency_type": s["currency"],
        "bank_tran_id": s.get("bank_tran_id", ""),
        "risk_level": str(state.controls["risk_level"]),
    }
    return {"APIConnect": "DONE", "no_of_trans_found": 1, "element": [element]}


def ekpay_status(state: State, data: dict) -> dict:
    if data.get("username") != state.merchant_id:
        return {"msg_code": "4001", "msg_det": "Invalid merchant"}
    s = state.by("tran_id", data.get("trnx_id", ""))
    if s is None or s["gateway"] != "ekpay" or state.controls["validation"] == "fail":
        return {"msg_code": "1011", "msg_det": "Transaction not found"}
    return ekpay_status_body(s)


def hosted_page(s: dict) -> str:
    buttons = "".join(
        f'<button name="outcome" value="{o}" style="font-size:1.2rem;padding:1rem;margin:.5rem;'
        f'min-width:10rem">{label}</button>'
        for o, label in (("success", "Pay"), ("fail", "Fail"), ("cancel", "Cancel"))
    )
    return (
        '<!doctype html><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width,initial-scale=1"><title>Payment gateway simulator</title>'
        f"<h1>{html.escape(s['gateway'])} simulator</h1>"
        f"<p>Transaction <code>{html.escape(s['tran_id'])}</code></p>"
        f'<p>Amount: <strong id="amount">{html.escape(s["amount"])} '
        f"{html.escape(s['currency'])}</strong></p>"
        f'<form method="post" action="/pay/{s["key"]}">{buttons}</form>'
    )


def redirect_page(target: dict) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
        for k, v in target["fields"].items()
    )
    return (
        '<!doctype html><meta charset="utf-8"><title>Redirecting</title>'
        f'<form id="back" method="post" action="{html.escape(target["url"])}">{inputs}'
        '<button>Continue</button></form><script>document.getElementById("back").submit()</script>'
    )


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ImisPaySimulator/1"

        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            pass

        def _send(self, status: int, payload, content_type="application/json", headers=None):
            raw = (
                payload.encode("utf-8")
                if isinstance(payload, str)
                else json.dumps(payload).encode("utf-8")
            )
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1_000_000))

        def _form(self) -> dict:
            pairs = urllib.parse.parse_qsl(self._body().decode("utf-8", "replace"))
            return dict(pairs)

        def _json(self) -> dict:
            try:
                data = json.loads(self._body() or b"{}")
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}

        def do_GET(self):  # noqa: N802 - stdlib name
            url = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/validator/api/validationserverAPI.php":
                return self._send(200, validation_answer(state, params))
            if url.path == "/validator/api/merchantTransIDvalidationAPI.php":
                return self._send(200, query_answer(state, params))
            if url.path.startswith("/EasyCheckOut/") or url.path == "/ekpaypg/v1":
                key = (
                    url.path.rsplit("/", 1)[-1]
                    if url.path != "/ekpaypg/v1"
                    else params.get("sToken", "")
                )
                with state.lock:
                    s = state.sessions.get(key)
                if s is None:
                    return self._send(404, "<p>Unknown or expired session</p>", "text/html")
                return self._send(200, hosted_page(s), "text/html")
            if url.path == "/control/transactions":
                with state.lock:
                    return self._send(200, list(state.sessions.values()))
            if url.path == "/control/ipns":
                with state.lock:
                    return self._send(200, list(state.ipns))
            if url.path == "/":
                return self._send(200, "<p>Payment gateway simulator</p>", "text/html")
            return self._send(404, {"error": "not found"})

        def do_POST(self):  # noqa: N802 - stdlib name
            path = urllib.parse.urlsplit(self.path).path
            if path == "/gwprocess/v4/api.php":
                return self._send(200, sslcommerz_session(state, self._form()))
            if path == "/ekpaypg/v1/merchant-api":
                return self._send(200, ekpay_token(state, self._json()))
            if path == "/ekpaypg/v1/get-status":
                return self._send(200, ekpay_status(state, self._json()))
            if path.startswith("/pay/"):
                outcome = self._form().get("outcome", "")
                if outcome not in ("success", "fail", "cancel"):
                    return self._send(400, {"error": "outcome is success, fail or cancel"})
                target = pay(state, path.rsplit("/", 1)[-1], outcome)
                if target is None:
                    return self._send(409, {"error": "unknown or finished session"})
                if "application/json" in self.headers.get("Accept", ""):
                    return self._send(200, target)
                if target["method"] == "GET":
                    return self._send(302, "", "text/plain", {"Location": target["url"]})
                return self._send(200, redirect_page(target), "text/html")
            if path == "/control/set":
                spec = self._json()
                unknown = set(spec) - set(DEFAULTS)
                if unknown:
                    return self._send(400, {"error": f"unknown controls {sorted(unknown)}"})
                with state.lock:
                    state.controls.update(spec)
                    return self._send(200, dict(state.controls))
            if path == "/control/ipn":
                spec = self._json()
                s = state.by("tran_id", str(spec.get("tran_id", "")))
                if s is None:
                    return self._send(404, {"error": "unknown tran_id"})
                return self._send(
                    200, {"answers": ipn_send(state, dict(s), int(spec.get("repeat", 1)))}
                )
            if path == "/control/reset":
                state.reset()
                return self._send(200, {"reset": True})
            return self._send(404, {"error": "not found"})

    return Handler


def serve(host: str, port: int, **accounts) -> ThreadingHTTPServer:
    state = State(**accounts)
    state.base_url = f"http://{host}:{port}"
    server = ThreadingHTTPServer((host, port), make_handler(state))
    server.daemon_threads = True
    return server


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8026)
    parser.add_argument("--store-id", default="imislocal")
    parser.add_argument("--store-password", default="imislocal@ssl")
    parser.add_argument("--merchant-id", default="imis_local")
    parser.add_argument("--merchant-key", default="imis-local-key")
    args = parser.parse_args(argv)
    server = serve(
        args.host,
        args.port,
        store_id=args.store_id,
        store_password=args.store_password,
        merchant_id=args.merchant_id,
        merchant_key=args.merchant_key,
    )
    print(f"Payment gateway simulator on http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""A local stand-in for the SSL Wireless ISMS Plus API v3 (see gateway.py),
for development and tests.  Standard library only; run it as

    python -m backoffice.notifications.simulator --port 8025 \
        --token local-simulator-token --sid IMISLOCAL

It checks what the real gateway checks (JSON body, token, sender ID, MSISDN,
length, csms_id and its uniqueness per day) and answers in the same shape.
Received messages are kept in memory and can be read back:

    GET  /messages[?msisdn=8801...]   JSON list, oldest first
    GET  /                            the same as a small HTML page
    POST /control/fail {"mode": "http500" | "error", "count": N}
                                      the next N sends fail (-1: until reset)
    POST /control/reset               forget messages and failure modes
"""

import argparse
import datetime
import html
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SEND_PATH = "/api/v3/send-sms"
MSISDN_RE = re.compile(r"^8801[3-9][0-9]{8}$")
REQUIRED = ("api_token", "sid", "msisdn", "sms", "csms_id")


class State:
    def __init__(self, token: str, sid: str):
        self.token, self.sid = token, sid
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.seen: set[tuple[str, str]] = set()  # (day, csms_id)
        self.fail_mode = ""
        self.fail_count = 0
        self.requests = 0

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.seen.clear()
            self.fail_mode, self.fail_count, self.requests = "", 0, 0


def _failed(code: int, message: str) -> dict:
    return {"status": "FAILED", "status_code": code, "error_message": message}


def sms_type(text: str) -> str:
    return "EN" if all(ord(c) < 128 for c in text) else "BN"


def handle_send(state: State, body: bytes, content_type: str) -> tuple[int, dict]:
    """The gateway's answer (HTTP status, JSON) to one send request."""
    with state.lock:
        state.requests += 1
        if state.fail_count:
            state.fail_count -= 1 if state.fail_count > 0 else 0
            if state.fail_mode == "http500":
                return 500, {"message": "Internal Server Error"}
            return 200, _failed(5000, "Unknown Error")
    if "application/json" not in content_type:
        return 200, _failed(4005, "Invalid request format")
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return 200, _failed(4005, "Invalid request format")
    if not isinstance(data, dict):
        return 200, _failed(4005, "Invalid request format")
    missing = [f for f in REQUIRED if not isinstance(data.get(f), str) or not data.get(f)]
    if missing:
        return 200, _failed(4022, f"Required parameter missing: {', '.join(missing)}")
    if data["api_token"] != state.token:
        return 200, _failed(4001, "Unauthorized")
    if data["sid"] != state.sid:
        return 200, _failed(4002, "SID/Stakeholder is not permitted")
    if not MSISDN_RE.match(data["msisdn"]):
        return 200, _failed(4025, "Invalid MSISDN")
    if len(data["sms"]) > 1000:
        return 200, _failed(4027, "Message length exceeded")
    csms_id = data["csms_id"]
    if len(csms_id) > 20:
        return 200, _failed(4020, "Invalid CSMS ID")
    day = datetime.date.today().isoformat()
    with state.lock:
        if (day, csms_id) in state.seen:
            return 200, _failed(4023, "Duplicate CSMS ID")
        state.seen.add((day, csms_id))
        info = {
            "sms_status": "SUCCESS",
            "status_message": "Success",
            "msisdn": data["msisdn"],
            "sms_type": sms_type(data["sms"]),
            "sms_body": data["sms"],
            "csms_id": csms_id,
            "reference_id": secrets.token_hex(10)[:19],
        }
        state.messages.append(
            {**info, "sid": data["sid"], "received_at": datetime.datetime.now().isoformat()}
        )
    return 200, {"status": "SUCCESS", "status_code": 200, "error_message": "", "smsinfo": [info]}


def messages_page(messages: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(m['received_at'][:19])}</td><td>{html.escape(m['msisdn'])}</td>"
        f"<td>{html.escape(m['sms_body'])}</td></tr>"
        for m in reversed(messages)
    )
    return (
        '<!doctype html><meta charset="utf-8"><title>SMS simulator</title>'
        "<h1>SMS received by the simulator (SSL Wireless API v3)</h1>"
        "<table border=1 cellpadding=4><tr><th>time</th><th>to</th><th>text</th></tr>"
        f"{rows}</table>"
    )


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ImisSmsSimulator/1"

        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            pass

        def _send(self, status: int, payload, content_type="application/json") -> None:
            if isinstance(payload, str):
                raw = payload.encode("utf-8")
            else:
                raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(min(length, 1_000_000))

        def do_GET(self):  # noqa: N802 - stdlib name
            url = urlsplit(self.path)
            if url.path == "/messages":
                msisdn = parse_qs(url.query).get("msisdn", [""])[0]
                with state.lock:
                    found = [m for m in state.messages if not msisdn or m["msisdn"] == msisdn]
                return self._send(200, found)
            if url.path == "/":
                with state.lock:
                    page = messages_page(list(state.messages[-200:]))
                return self._send(200, page, "text/html")
            if url.path == "/control/stats":
                return self._send(200, {"requests": state.requests})
            return self._send(404, _failed(4004, "Endpoint Not Found"))

        def do_POST(self):  # noqa: N802 - stdlib name
            path = urlsplit(self.path).path
            body = self._body()
            if path == SEND_PATH:
                status, payload = handle_send(state, body, self.headers.get("Content-Type", ""))
                return self._send(status, payload)
            if path == "/control/fail":
                try:
                    spec = json.loads(body or b"{}")
                    mode, count = spec.get("mode", "error"), int(spec.get("count", 1))
                except (ValueError, TypeError, AttributeError):
                    return self._send(400, {"error": "bad control request"})
                if mode not in ("http500", "error"):
                    return self._send(400, {"error": "mode is http500 or error"})
                with state.lock:
                    state.fail_mode, state.fail_count = mode, count
                return self._send(200, {"mode": mode, "count": count})
            if path == "/control/reset":
                state.reset()
                return self._send(200, {"reset": True})
            return self._send(404, _failed(4004, "Endpoint Not Found"))

    return Handler


def serve(host: str, port: int, token: str, sid: str) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(State(token, sid)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--token", default="local-simulator-token")
    parser.add_argument("--sid", default="IMISLOCAL")
    args = parser.parse_args(argv)
    server = serve(args.host, args.port, args.token, args.sid)
    print(f"SMS simulator on http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

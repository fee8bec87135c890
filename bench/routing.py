"""Tenant routing overhead on the cheapest view there is.

Measured: requests/s of ``tenants.views.ping`` on a municipality's host
(``khulna.localhost``), served by ``portal.wsgi`` with the whole tenant
middleware.  Baseline, same run: the same view function on a plain Django
URLconf (``bench.plain_settings``: the same generic middleware, no
tenancy).  Each under gunicorn with 2 sync workers on a free port of
127.0.0.1, loaded with wrk after a warm-up, in ABBA order, twice, so drift in
the machine's load falls on both alike; each side's median is reported
(the machine is shared: a neighbour's burst should not decide the figure).

Needs the demo municipality ``khulna`` in the ``imis`` database
(``deploy/local bench`` creates it)."""

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.harness import BIN, Figure, Server, median, report, say

NAME = "routing"
TIMEOUT_SECONDS = 10 * 60
HOST = "khulna.localhost"  # glibc does not resolve it: we connect to 127.0.0.1
PATH = "/ping/"
WORKERS = 2
WRK_LOAD = ["-t2", "-c8"]
WARMUP_SECONDS = 3
RUN_SECONDS = 8
ORDER = ("plain", "tenant", "tenant", "plain") * 2  # ABBA twice; each side's median counts
TARGET_RATIO = 0.85
READY_SECONDS = 60
GENERIC_MIDDLEWARE_PACKAGES = ("django", "whitenoise")  # the baseline keeps these


@dataclass
class Target:
    name: str
    port: int
    server: Server


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx/3xx responses plus socket errors


def run() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.base"
    env = harness.stack_env_apply()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk; deploy/local installs it)")
    import django

    django.setup()  # only to read the settings: nothing here touches the database
    from django.conf import settings

    generic = [m for m in settings.MIDDLEWARE if m.split(".")[0] in GENERIC_MIDDLEWARE_PACKAGES]
    tenant_side = [m for m in settings.MIDDLEWARE if m not in generic]
    say(f"tenant side only: {', '.join(tenant_side)}")
    say(f"host cache: IMIS_TENANT_CACHE_SECONDS = {settings.IMIS_TENANT_CACHE_SECONDS}")
    with tempfile.TemporaryDirectory(prefix="imis-bench-routing-") as tmp:
        targets: list[Target] = []
        try:
            targets.append(_gunicorn("tenant", "portal.wsgi:application", env, Path(tmp)))
            plain_env = dict(
                env,
                DJANGO_SETTINGS_MODULE="bench.plain_settings",
                IMIS_BENCH_PLAIN_MIDDLEWARE=",".join(generic),
            )
            targets.append(_gunicorn("plain", "bench.plain_wsgi:application", plain_env, Path(tmp)))
            by_name = {t.name: t for t in targets}
            for target in targets:
                _wait_ready(target)
            _expect_status(by_name["tenant"], "nosuch.localhost", 404)  # routing is live
            for target in targets:
                _wrk(wrk, target, WARMUP_SECONDS)  # every worker imports, connects, caches
            loads: dict[str, list[Load]] = {"tenant": [], "plain": []}
            for name in ORDER:
                load = _wrk(wrk, by_name[name], RUN_SECONDS)
                loads[name].append(load)
                say(
                    f"{name:<6} {load.rps:8.0f} req/s  p50 {load.p50_ms:.2f} ms"
                    f"  p99 {load.p99_ms:.2f} ms  ({load.requests} requests, {load.bad} bad)"
                )
        finally:
            for target in targets:
                target.server.stop()
    bad = sum(load.bad for runs in loads.values() for load in runs)
    report(
        Figure(
            NAME,
            f"ping on {HOST}",
            median([load.rps for load in loads["tenant"]]),
            "req/s",
            median([load.rps for load in loads["plain"]]),
            f"plain Django, same middleware; medians of {len(loads['plain'])}",
            TARGET_RATIO,
            "ratio",
            "higher",
            note=f"{bad} bad responses" if bad else "",
        )
    )
    if bad:
        raise RuntimeError(f"{bad} requests failed or were not 2xx/3xx: the figures are void")


def _gunicorn(name: str, app: str, env: dict[str, str], tmp: Path) -> Target:
    port = harness.free_port()
    argv = [
        str(BIN / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
    ]
    return Target(name, port, Server(f"gunicorn-{name}", argv, env=env, log=tmp / f"{name}.log"))


def _get(port: int, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", PATH, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_ready(target: Target) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if not target.server.alive():
            raise RuntimeError(f"{target.name} server exited:\n{_tail(target)}")
        try:
            status, body = _get(target.port, HOST)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200 and body == b"pong":
            return
        hint = " (is the demo there? run deploy/local bench)" if target.name == "tenant" else ""
        raise RuntimeError(f"{target.name}: GET {PATH} on {HOST} gave {status}{hint}")
    raise RuntimeError(f"{target.name} server not ready in {READY_SECONDS} s:\n{_tail(target)}")


def _expect_status(target: Target, host: str, status: int) -> None:
    got, _ = _get(target.port, host)
    if got != status:
        raise RuntimeError(f"{target.name}: Host {host} gave {got}, expected {status}")


def _tail(target: Target) -> str:
    lines = target.server.log_path.read_text(errors="replace").splitlines()
    return "\n".join(lines[-20:])


def _wrk(wrk: str, target: Target, seconds: int) -> Load:
    argv = [wrk, *WRK_LOAD, f"-d{seconds}s", "--latency", "-H", f"Host: {HOST}"]
    argv.append(f"http://127.0.0.1:{target.port}{PATH}")
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    text = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    if rps is None or total is None:
        raise RuntimeError(f"could not read wrk's output:\n{text}\n{out.stderr}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    bad = int(non2xx.group(1)) if non2xx else 0
    bad += sum(int(n) for n in errors.groups()) if errors else 0
    return Load(
        rps=float(rps.group(1)),
        p50_ms=_latency_ms(text, "50%"),
        p99_ms=_latency_ms(text, "99%"),
        requests=int(total.group(1)),
        bad=bad,
    )


def _latency_ms(text: str, pct: str) -> float:
    found = re.search(rf"^\s*{re.escape(pct)}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if found is None:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

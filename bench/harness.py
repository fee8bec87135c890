"""What every benchmark shares: figures and their report lines, timing,
small statistics, the local stack's environment and servers on free ports.

A figure is a measured value next to a baseline measured in the same run,
their ratio, and a target the figure must meet.  Nothing here imports
Django, so a benchmark chooses its own settings before ``django.setup()``."""

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS_ENV = "IMIS_BENCH_RESULTS"  # set by the runner: where a benchmark leaves its figures

# The local stack's defaults, as deploy/local exports them.
STACK_DEFAULTS = {
    "IMIS_DB_HOST": "127.0.0.1",
    "IMIS_DB_PORT": "55432",
    "IMIS_DB_NAME": "imis",
    "IMIS_DB_USER": "imis",
    "IMIS_DB_PASSWORD": "imis-local",
    "IMIS_REDIS_URL": "redis://127.0.0.1:56379/0",
    "IMIS_VAR_DIR": str(ROOT / "var"),
    "DJANGO_SETTINGS_MODULE": "portal.settings.base",
    "PYTHONUNBUFFERED": "1",
}


def stack_env_apply() -> dict[str, str]:
    """Fill the local stack's defaults into this process's environment
    (values already set win) and return a copy for child processes."""
    for key, value in STACK_DEFAULTS.items():
        os.environ.setdefault(key, value)
    return dict(os.environ)


# --- Figures ----------------------------------------------------------------


@dataclass
class Figure:
    """One reported number.  ``check`` says what the target applies to:
    the value itself (``"value"``) or value / baseline (``"ratio"``);
    ``better`` says which way is good (``"lower"`` or ``"higher"``)."""

    bench: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: float | None = None
    check: str = "value"
    better: str = "lower"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        checked = self.ratio if self.check == "ratio" else self.value
        if checked is None or math.isnan(checked):
            return False
        return checked <= self.target if self.better == "lower" else checked >= self.target

    def line(self) -> str:
        sign = "<=" if self.better == "lower" else ">="
        if self.target is None:
            target, verdict = "target -", "info"
        elif self.check == "ratio":
            target, verdict = f"target ratio {sign} {self.target:g}", _verdict(self.passed)
        else:
            target, verdict = (
                f"target {sign} {_num(self.target)} {self.unit}",
                _verdict(self.passed),
            )
        if self.baseline is None:
            baseline = "baseline -"
        else:
            label = f" ({self.baseline_label})" if self.baseline_label else ""
            baseline = f"baseline {_num(self.baseline)} {self.unit}{label}"
        ratio = f"ratio {self.ratio:.3f}" if self.ratio is not None else "ratio -"
        text = (
            f"{self.bench:<13} {self.name:<34} {_num(self.value):>9} {self.unit:<6}"
            f" | {baseline} | {ratio} | {target} | {verdict}"
        )
        return text + (f"  ({self.note})" if self.note else "")


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "info"}[passed]


_reported: list[Figure] = []


def report(figure: Figure) -> Figure:
    """Print a figure's line at once (benchmarks run for minutes) and keep it."""
    print(figure.line(), flush=True)
    _reported.append(figure)
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(figure)) + "\n")
    return figure


def reported() -> list[Figure]:
    return list(_reported)


def figures_load(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    return [Figure(**json.loads(line)) for line in path.read_text().splitlines() if line]


def say(message: str) -> None:
    """Progress for the person waiting (figures go through report)."""
    print(f"  . {message}", flush=True)


# --- Timing and statistics --------------------------------------------------


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least squares y = a + b*x; returns (a, b, r_squared)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, (1 - ss_res / ss_tot) if ss_tot else 0.0


# --- Processes and ports (only ever 127.0.0.1) --------------------------------


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A process we start in its own session, so stopping it ends its whole
    group (gunicorn's workers too) and nothing else."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log: Path):
        self.name = name
        self.log_path = log
        self._log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def _signal_group(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, sig)  # the group led by our own child: its pid is the group id


def terminate_raises() -> None:
    """Turn SIGTERM into SystemExit, so ``finally`` blocks clean up when the
    runner stops a benchmark that ran out of time."""

    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


# --- A database of the benchmark's own ---------------------------------------


def admin_connect(dbname: str):
    """An autocommit psycopg connection to the local cluster (not Django's)."""
    import psycopg

    return psycopg.connect(
        host=os.environ["IMIS_DB_HOST"],
        port=os.environ["IMIS_DB_PORT"],
        user=os.environ["IMIS_DB_USER"],
        password=os.environ["IMIS_DB_PASSWORD"],
        dbname=dbname,
        autocommit=True,
    )


def database_create(name: str) -> None:
    with admin_connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with admin_connect(name) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")


def database_drop(name: str) -> None:
    with admin_connect("postgres") as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_own_database(db_name: str, redis_db: int, measure) -> None:
    """Run ``measure()`` with Django set up on a new database ``db_name`` and
    Redis database ``redis_db``; both are dropped at the end, also on failure."""
    stack_env_apply()
    if os.environ["IMIS_DB_NAME"] == db_name:
        raise RuntimeError(f"IMIS_DB_NAME is already {db_name}: refusing to drop the database")
    redis_url = os.environ["IMIS_REDIS_URL"].rsplit("/", 1)[0] + f"/{redis_db}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        IMIS_DB_NAME=db_name,
        IMIS_CACHE_URL=redis_url,
        IMIS_CELERY_BROKER_URL=redis_url,
        IMIS_CELERY_RESULT_URL=redis_url,
        IMIS_LOG_LEVEL="WARNING",
    )
    database_drop(db_name)  # what a killed earlier run left
    database_create(db_name)
    try:
        import django

        django.setup()
        from django.conf import settings

        if settings.DATABASES["default"]["NAME"] != db_name:
            raise RuntimeError("not connected to the bench database: stopping")
        measure()
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        database_drop(db_name)
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        say(f"dropped the {db_name} database and flushed Redis db {redis_db}")

"""Real servers for the tests that need them: gunicorn serving the portal and
a Celery worker, both pointed at the test database and test Redis databases."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    if not str(connection.settings_dict["NAME"]).startswith("test_"):
        raise RuntimeError("test servers run on test_* databases only")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        IMIS_DB_NAME=connection.settings_dict["NAME"],
        IMIS_REDIS_URL=settings.REDIS_URL,
        PYTHONUNBUFFERED="1",
    )
    return env


def _log(name: str):
    logs = Path(settings.VAR_DIR) / "log"
    logs.mkdir(parents=True, exist_ok=True)
    return open(logs / f"test-{name}.log", "ab")  # noqa: SIM115 - closed by the owner


class Server:
    def __init__(self, name: str, argv: list[str]):
        self.name = name
        self.log = _log(name)
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=server_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


def gunicorn_start(port: int) -> Server:
    server = Server(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError("gunicorn exited; see var/log/test-gunicorn.log")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/ping/", headers={"Host": "localhost"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("gunicorn did not answer within 60 s")


def celery_worker_start() -> Server:
    from tenants.celery import app

    server = Server(
        "celery-worker",
        [
            str(BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "-l",
            "info",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
        ],
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError("celery worker exited; see var/log/test-celery-worker.log")
        if app.control.ping(timeout=0.5):
            return server
    server.stop()
    raise RuntimeError("the Celery worker did not answer within 60 s")


def killable_worker_start(queue: str, log: Path, env_extra: dict[str, str]) -> subprocess.Popen:
    """A solo Celery worker on ``queue`` in its own process group (a test
    SIGKILLs the group in the middle of a task); ``env_extra`` holds the
    setting that makes the task wait where it is to be killed."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker", "-Q", queue,
         "--pool", "solo", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env={**server_env(), **env_extra}, stdout=open(log, "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def wait_until(predicate, timeout: float, what: str):
    """``predicate()``'s first truthy value within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")

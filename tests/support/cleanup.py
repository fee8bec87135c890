"""Removing what another process committed (servers, commands) from the
test database, from a fresh process so no test transaction holds a lock."""

import subprocess
import sys

import pytest

from tests.support.processes import ROOT, server_env

_DROP_SCRIPT = """
from tenants.models import Municipality
from tenants.services import municipality_registration_remove
m = Municipality.objects.filter(code=%(code)r).first()
if m:
    Municipality.objects.filter(pk=m.pk).update(ready=False)
    municipality_registration_remove(municipality_id=m.pk)
"""


def manage(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**server_env(), **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def municipality_drop(code: str) -> None:
    result = manage("shell", "-c", _DROP_SCRIPT % {"code": code})
    assert result.returncode == 0, result.stderr


def shell_setup(setup: str, teardown: str, *, what: str) -> int:
    """Run ``setup`` (a ``manage.py shell`` script ending by printing an id)
    in a fresh process and return the id.  When it fails, its own half-made
    data is torn down (not data it found there: "not empty") and the test
    fails with the reason (never a skip, which would hide a broken setup)."""
    result = manage("shell", "-c", setup)
    if result.returncode != 0:
        if "not empty" not in result.stderr:  # our own half-made data
            manage("shell", "-c", teardown)
        pytest.fail(f"jashore {what} setup failed: {result.stderr[-300:]}")
    return int(result.stdout.strip().splitlines()[-1])

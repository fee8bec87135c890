"""The operators' commands, run as operators run them: in a new process."""

import subprocess
import sys

import pytest
from django_tenants.utils import schema_exists

from tests.support.processes import ROOT, server_env

pytestmark = pytest.mark.django_db(transaction=False)


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


def test_upgrade_reports_every_municipality(db):
    result = manage("upgrade_municipalities", "--processes", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for schema in ("imis_template", "khulna", "jashore"):
        assert any(line.startswith(schema) and " ok " in line for line in lines), lines
    assert lines[-1].endswith("0 failed")


def test_provision_command_creates_and_refuses_duplicates(db):
    args = [
        "provision_municipality",
        "--code",
        "jhenaidah",
        "--name-en",
        "Jhenaidah Paurashava",
        "--name-bn",
        "ঝিনাইদহ পৌরসভা",
        "--kind",
        "paurashava",
        "--domain",
        "jhenaidah.localhost",
        "--admin-username",
        "jh_admin",
    ]
    try:
        first = manage(*args, env_extra={"IMIS_ADMIN_PASSWORD": "Jhenaidah-Str0ng-1"})
        assert first.returncode == 0, first.stderr
        assert "jhenaidah is ready" in first.stdout
        assert schema_exists("jhenaidah")
        again = manage(*args, env_extra={"IMIS_ADMIN_PASSWORD": "Jhenaidah-Str0ng-1"})
        assert again.returncode != 0
        assert "already exists" in again.stderr
    finally:
        _drop("jhenaidah")


def _drop(code: str) -> None:
    """Committed by another process, so removed by another process (this
    test's own transaction is rolled back and must not lock the row)."""
    manage("shell", "-c", _DROP_SCRIPT % {"code": code})


_DROP_SCRIPT = """
from tenants.models import Municipality
from tenants.services import municipality_registration_remove
m = Municipality.objects.filter(code=%(code)r).first()
if m:
    Municipality.objects.filter(pk=m.pk).update(ready=False)
    municipality_registration_remove(municipality_id=m.pk)
"""

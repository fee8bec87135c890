"""The operators' commands, run as operators run them: in a new process."""

import pytest
from django_tenants.utils import schema_exists

from tests.support.cleanup import manage, municipality_drop

pytestmark = pytest.mark.django_db(transaction=False)


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
        municipality_drop("jhenaidah")

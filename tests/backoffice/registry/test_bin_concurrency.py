"""Two processes creating 1,000 buildings each in the same municipality at
the same time never get the same BIN (a sequence, not max()+1)."""

import subprocess
import sys

import pytest

from tests.support.cleanup import manage
from tests.support.processes import ROOT, server_env

pytestmark = pytest.mark.django_db

CREATE = """
from django_tenants.utils import schema_context
from tests.backoffice.registry.factories import building_make, wards_make
with schema_context("khulna"):
    for i in range({count}):
        building_make(ward=1 + i % 4, index=i % 1600, house_number="conc-{tag}")
print("done")
"""
SETUP = """
from django_tenants.utils import schema_context
from tests.backoffice.registry.factories import wards_make
with schema_context("khulna"):
    wards_make()
"""
CLEANUP = """
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, ChangeRecord, Ward
with schema_context("khulna"):
    mine = Building.objects.filter(house_number__startswith="conc-")
    ids = list(mine.values_list("pk", flat=True))
    ChangeRecord.objects.filter(model="building", object_id__in=ids).delete()
    Building.objects.filter(pk__in=ids).delete()
    if not Building.objects.exists():
        Ward.objects.all().delete()
"""


def test_two_processes_never_share_a_bin():
    from backoffice.registry.models import Building

    assert manage("shell", "-c", SETUP).returncode == 0
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", CREATE.format(count=1000, tag=tag)],
                cwd=ROOT,
                env=server_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for tag in ("a", "b")
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err[-2000:]
        from django_tenants.utils import schema_context

        with schema_context("khulna"):
            bins = list(
                Building.objects.filter(house_number__startswith="conc-").values_list(
                    "bin", flat=True
                )
            )
        assert len(bins) == 2000 and len(set(bins)) == 2000
    finally:
        assert manage("shell", "-c", CLEANUP).returncode == 0

"""A worker killed in the middle of issuing a bill run: the wards it
finished keep their bills, the ward it was in has none, and the run issued
again completes with every holding billed once and the numbers consecutive.

Everything is committed by other processes (a Celery worker we start and
kill, manage.py for set-up, re-run and clean-up), in jashore."""

import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.billing.models import Bill, BillRun
from backoffice.billing.services import bill_run_progress
from backoffice.billing.tasks import bill_run_issue_task
from tests.backoffice.billing.test_worker import _TEARDOWN
from tests.support.cleanup import manage, shell_setup
from tests.support.processes import killable_worker_start, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

QUEUE = "imis-test-killed-billing"
WARDS, PER_WARD = 3, 5

_SETUP = """
from decimal import Decimal
from django_tenants.utils import schema_context
from backoffice.billing.models import BillRun, TaxRate
from backoffice.registry.models import Holding, Ward
from tests.backoffice.billing.test_services import approved_run
from tests.backoffice.registry.factories import holding_make, wards_make
from tenants.models import Municipality
with schema_context("jashore"):
    assert not (BillRun.objects.exists() or Holding.objects.exists() or Ward.objects.exists()), (
        "not empty"
    )
    wards_make(%(wards)d)
    TaxRate.objects.create(holding_type="residential", holding_tax_pct=Decimal("7"),
                           conservancy_pct=Decimal("7"), lighting_pct=Decimal("3"))
    for ward in range(1, %(wards)d + 1):
        for n in range(1, %(per_ward)d + 1):
            holding_make(None, code=f"{ward:02d}-001-{n:04d}-00")
    print(approved_run(Municipality.objects.get(code="jashore")).pk)
"""

_RERUN = """
from django_tenants.utils import schema_context
from backoffice.billing.services import bill_run_issue
with schema_context("jashore"):
    run = bill_run_issue(run_id=%(run)d)
    print("RUN", run.state, run.bill_count)
"""


def _worker(log: Path) -> subprocess.Popen:
    return killable_worker_start(QUEUE, log, {"IMIS_BILLING_ISSUE_HOLD_SECONDS": "120"})


def _issuer_in_transaction() -> int:
    with connection.cursor() as cursor:
        # The statistics views are a snapshot per transaction (the test's is open).
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
            " AND query LIKE %s",
            # the held transaction's last statement: the run's count after the insert
            ['%UPDATE "billing_billrun"%'],
        )
        return cursor.fetchone()[0]


def _numbers() -> list[str]:
    with schema_context("jashore"):
        return list(Bill.objects.order_by("number").values_list("number", flat=True))


def test_a_killed_issue_keeps_finished_wards_and_the_rerun_bills_each_holding_once(
    tenant_b, tmp_path
):
    run_id = shell_setup(_SETUP % {"wards": WARDS, "per_ward": PER_WARD}, _TEARDOWN, what="billing")
    worker = _worker(tmp_path / "worker.log")
    try:
        with schema_context("jashore"):
            bill_run_issue_task.apply_async(args=[run_id], queue=QUEUE)

        def first_ward_committed_second_held():
            with schema_context("jashore"):
                run = BillRun.objects.get(pk=run_id)
            return run.bill_count == PER_WARD and _issuer_in_transaction()

        wait_until(first_ward_committed_second_held, 90, "ward 1 issued and ward 2 held open")
        with schema_context("jashore"):
            run = BillRun.objects.get(pk=run_id)
        assert run.state == BillRun.State.ISSUING
        assert bill_run_progress(run) == 100 * PER_WARD // (WARDS * PER_WARD)  # visible meanwhile
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and anything it started
        worker.wait(timeout=10)
        wait_until(
            lambda: not _issuer_in_transaction(), 30, "the killed worker's transaction to end"
        )

        # Ward 1's bills stay; ward 2's were never committed.
        assert _numbers() == [f"2026-Q4-{i:06d}" for i in range(1, PER_WARD + 1)]

        rerun = manage("shell", "-c", _RERUN % {"run": run_id})
        assert rerun.returncode == 0, rerun.stderr
        total = WARDS * PER_WARD
        assert f"RUN issued {total}" in rerun.stdout, rerun.stdout
        assert _numbers() == [f"2026-Q4-{i:06d}" for i in range(1, total + 1)]
        with schema_context("jashore"):
            codes = list(Bill.objects.order_by("number").values_list("holding__code", flat=True))
        assert codes == sorted(codes) and len(set(codes)) == total  # once each, in code order

        again = manage("shell", "-c", _RERUN % {"run": run_id})  # a re-delivered task
        assert f"RUN issued {total}" in again.stdout, again.stdout
        assert len(_numbers()) == total
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        cleanup = manage("shell", "-c", _TEARDOWN)
        assert cleanup.returncode == 0, cleanup.stderr

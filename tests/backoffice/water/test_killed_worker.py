"""A worker killed in the middle of issuing a water bill run: the wards it
finished keep their bills, the ward it was in has none, and the run issued
again completes with every connection billed once and the numbers
consecutive; issuing once more (a re-delivered task) changes nothing.

Everything is committed by other processes (a real Celery worker we start
and SIGKILL, manage.py for set-up, re-run and clean-up), in jashore."""

import os
import signal
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.water.models import WaterBill, WaterBillRun
from backoffice.water.runs import water_run_progress
from backoffice.water.tasks import water_run_issue_task
from tests.support.cleanup import manage, shell_setup
from tests.support.processes import killable_worker_start, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

QUEUE = "imis-test-killed-water"
WARDS, PER_WARD = 3, 4

_SETUP = """
import datetime
from django_tenants.utils import schema_context
from backoffice.registry.models import Holding, Ward
from backoffice.water import runs, services
from backoffice.water.models import Connection, WaterBillRun
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.backoffice.water.factories import connection_make, period_make, tariffs_make
with schema_context("jashore"):
    assert not (WaterBillRun.objects.exists() or Connection.objects.exists()
                or Holding.objects.exists() or Ward.objects.exists()), "not empty"
    wards_make(%(wards)d)
    tariffs = tariffs_make(None)
    index = 0
    for ward in range(1, %(wards)d + 1):
        for n in range(1, %(per_ward)d + 1):
            building = building_make(None, ward=ward, index=index)
            index += 1
            holding = holding_make(None, code=f"{ward:02d}-001-{n:04d}-00", buildings=[building])
            connection_make(None, holding=holding, category=tariffs["domestic"],
                            metered=bool(n %% 2), building=building)
    period = period_make(2026, 10)
    run = runs.water_run_prepare(actor=None, period=period)
    run.state = WaterBillRun.State.APPROVED
    run.save()
    print(run.pk)
"""

_RERUN = """
from django_tenants.utils import schema_context
from backoffice.water.runs import water_run_issue
with schema_context("jashore"):
    run = water_run_issue(run_id=%(run)d)
    print("RUN", run.state, run.bill_count)
"""

_TEARDOWN = """
from django.db import connection, transaction
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, ChangeRecord, Holding, HoldingEvent, Ward
from backoffice.water.models import (Connection, ConnectionFee, Meter, Reading, TariffCategory,
    WaterBill, WaterBillingPeriod, WaterBillRun)
from tenants.audit.models import AuditEvent
with schema_context("jashore"), transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE water_waterbill DISABLE TRIGGER water_waterbill_immutable")
    WaterBill.objects.all().delete()
    WaterBillRun.objects.all().delete()
    Reading.objects.all().delete()
    WaterBillingPeriod.objects.all().delete()
    Meter.objects.all().delete()
    Connection.objects.all().delete()
    ConnectionFee.objects.all().delete()
    TariffCategory.objects.all().delete()
    Holding.objects.all().delete()
    Building.objects.all().delete()
    ChangeRecord.objects.filter(model__in=["holding", "building"]).delete()
    HoldingEvent.objects.all().delete()
    Ward.objects.all().delete()
    AuditEvent.objects.filter(action__startswith="water.").delete()
    AuditEvent.objects.filter(object_type__startswith="registry.").delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE water_waterbill ENABLE TRIGGER water_waterbill_immutable")
"""


def _issuer_in_transaction() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
            " AND query LIKE %s",
            ['%UPDATE "water_waterbillrun"%'],
        )
        return cursor.fetchone()[0]


def _numbers() -> list[str]:
    with schema_context("jashore"):
        return list(WaterBill.objects.order_by("number").values_list("number", flat=True))


def test_a_killed_water_issue_keeps_finished_wards_and_the_rerun_bills_each_once(
    tenant_b, tmp_path
):
    run_id = shell_setup(_SETUP % {"wards": WARDS, "per_ward": PER_WARD}, _TEARDOWN, what="water")
    worker = killable_worker_start(
        QUEUE, Path(tmp_path / "worker.log"), {"IMIS_BILLING_ISSUE_HOLD_SECONDS": "120"}
    )
    try:
        with schema_context("jashore"):
            water_run_issue_task.apply_async(args=[run_id], queue=QUEUE)

        def first_ward_committed_second_held():
            with schema_context("jashore"):
                run = WaterBillRun.objects.get(pk=run_id)
            return run.bill_count == PER_WARD and _issuer_in_transaction()

        wait_until(first_ward_committed_second_held, 90, "ward 1 issued and ward 2 held open")
        with schema_context("jashore"):
            run = WaterBillRun.objects.get(pk=run_id)
        assert run.state == WaterBillRun.State.ISSUING
        assert water_run_progress(run) == 100 * PER_WARD // (WARDS * PER_WARD)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        wait_until(lambda: not _issuer_in_transaction(), 30, "the killed transaction to end")

        assert _numbers() == [f"W202610-{i:06d}" for i in range(1, PER_WARD + 1)]

        rerun = manage("shell", "-c", _RERUN % {"run": run_id})
        assert rerun.returncode == 0, rerun.stderr
        total = WARDS * PER_WARD
        assert f"RUN issued {total}" in rerun.stdout, rerun.stdout
        assert _numbers() == [f"W202610-{i:06d}" for i in range(1, total + 1)]
        with schema_context("jashore"):
            holdings = list(
                WaterBill.objects.order_by("number").values_list(
                    "connection__holding__code", flat=True
                )
            )
        assert holdings == sorted(holdings) and len(set(holdings)) == total

        again = manage("shell", "-c", _RERUN % {"run": run_id})
        assert f"RUN issued {total}" in again.stdout, again.stdout
        assert len(_numbers()) == total
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        cleanup = manage("shell", "-c", _TEARDOWN)
        assert cleanup.returncode == 0, cleanup.stderr

"""Issuing on a real Celery worker.  Data is committed from a separate
process (the worker cannot see a test transaction) and removed the same way;
the teardown disables the immutability trigger for its own transaction only."""

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.models import Bill, BillRun
from backoffice.billing.tasks import bill_run_issue_task
from tests.support.cleanup import manage, shell_setup

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

_SETUP = """
from django_tenants.utils import schema_context
from backoffice.billing.models import BillRun
from backoffice.registry.models import Holding, Ward
from tests.backoffice.billing.test_services import approved_run, billing_sample
from tenants.models import Municipality
with schema_context("jashore"):
    assert not (BillRun.objects.exists() or Holding.objects.exists() or Ward.objects.exists()), (
        "not empty"
    )
    billing_sample(None, prefix="03")
    print(approved_run(Municipality.objects.get(code="jashore")).pk)
"""

_TEARDOWN = """
from django.db import connection, transaction
from django_tenants.utils import schema_context
from backoffice.billing.models import Bill, BillingPeriod, BillRun, TaxRate
from backoffice.registry.models import ChangeRecord, Holding, HoldingEvent, Ward
from tenants.audit.models import AuditEvent
with schema_context("jashore"), transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE billing_bill DISABLE TRIGGER billing_bill_immutable")
    Bill.objects.all().delete()
    BillRun.objects.all().delete()
    BillingPeriod.objects.all().delete()
    TaxRate.objects.all().delete()
    Holding.objects.all().delete()
    ChangeRecord.objects.filter(model="holding").delete()
    HoldingEvent.objects.all().delete()
    Ward.objects.all().delete()
    AuditEvent.objects.filter(action__startswith="billing.").delete()
    AuditEvent.objects.filter(object_type__startswith="registry.").delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE billing_bill ENABLE TRIGGER billing_bill_immutable")
"""


@pytest.fixture
def jashore_run(celery_worker, tenant_b):
    yield shell_setup(_SETUP, _TEARDOWN, what="billing")
    result = manage("shell", "-c", _TEARDOWN)
    assert result.returncode == 0, result.stderr


def test_worker_issues_the_run_and_a_repeated_task_changes_nothing(jashore_run, tenant_b):
    with schema_context(tenant_b.schema_name):
        first = bill_run_issue_task.delay(jashore_run)
        second = bill_run_issue_task.delay(jashore_run)  # e.g. redelivered after a crash
    assert "4 bills" in first.get(timeout=30)
    assert "4 bills" in second.get(timeout=30)
    with schema_context(tenant_b.schema_name):
        assert BillRun.objects.get(pk=jashore_run).state == BillRun.State.ISSUED
        numbers = list(Bill.objects.order_by("number").values_list("number", flat=True))
    assert numbers == [f"2026-Q4-{i:06d}" for i in range(1, 5)]

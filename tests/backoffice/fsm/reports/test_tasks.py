"""The monthly report tasks on a real Celery worker, in each municipality."""

import time

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm.reports.tasks import (
    monthly_reports_check_task,
    monthly_reports_generate_task,
)
from tenants.models import JobRun

pytestmark = [pytest.mark.worker, pytest.mark.django_db]


def test_generation_runs_in_the_municipality_it_was_sent_from(celery_worker, tenant_a, tenant_b):
    # The worker sees committed data only: no provider worked in 2020, so none is made.
    with schema_context(tenant_b.schema_name):
        result = monthly_reports_generate_task.delay("2020-01-01")
    assert result.get(timeout=30) == "0 provider reports for 2020-01"
    deadline = time.monotonic() + 20
    while not JobRun.objects.filter(task_id=result.id, status=JobRun.Status.SUCCESS).exists():
        assert time.monotonic() < deadline, "the job run was not logged"
        time.sleep(0.1)
    assert JobRun.objects.get(task_id=result.id).schema_name == "jashore"
    with schema_context(tenant_a.schema_name):
        check = monthly_reports_check_task.delay()
    answer = check.get(timeout=30)
    assert answer == "nothing due" or answer.startswith("queued ")  # the 1st in Khulna

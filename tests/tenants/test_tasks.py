"""Tasks on a real Celery worker process, against the test database."""

import time

import pytest
from django_tenants.utils import schema_context

from tenants.models import JobRun
from tenants.tasks import schema_probe_task, tenant_heartbeat_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db]


def _wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def test_a_task_queued_in_a_tenant_runs_in_that_schema(celery_worker, tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        in_a = schema_probe_task.delay()
    with schema_context(tenant_b.schema_name):
        in_b = schema_probe_task.delay()
    public = schema_probe_task.delay()
    assert in_a.get(timeout=20) == "khulna"
    assert in_b.get(timeout=20) == "jashore"
    assert public.get(timeout=20) == "public"


def test_job_runs_are_logged_with_their_schema(celery_worker, tenant_b):
    with schema_context(tenant_b.schema_name):
        result = tenant_heartbeat_task.delay()
    result.get(timeout=20)
    run = _wait_for(
        lambda: JobRun.objects.filter(task_id=result.id, status=JobRun.Status.SUCCESS).first()
    )
    assert run.schema_name == "jashore" and "jashore" in run.detail
    assert run.finished_at >= run.started_at

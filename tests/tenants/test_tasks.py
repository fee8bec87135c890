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


def test_beat_sends_each_periodic_job_to_every_ready_municipality(celery_worker, tmp_path):
    from django.utils import timezone

    from tenants.celery import app
    from tenants.scheduler import ReadyTenantsScheduler

    scheduler = ReadyTenantsScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    scheduler.setup_schedule()
    entry = scheduler.schedule["tenant-heartbeat@__all_tenants_only__"]
    since = timezone.now()
    scheduler.apply_entry(entry, producer=None)

    def schemas():
        runs = JobRun.objects.filter(
            task_name="tenants.tasks.tenant_heartbeat_task",
            started_at__gte=since,
            status=JobRun.Status.SUCCESS,
        )
        found = set(runs.values_list("schema_name", flat=True))
        return found if found >= {"khulna", "jashore"} else None

    assert _wait_for(schemas) == {"khulna", "jashore"}
    scheduler.close()

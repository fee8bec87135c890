"""Each municipality's own clock: requests and tasks run in its time zone."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.celery import _municipality_clock
from tenants.middleware import MunicipalityMiddleware
from tenants.tasks import clock_probe_task
from tests.support.connections import own_connection

pytestmark = pytest.mark.django_db


def _zone_seen_by_a_request(host: str) -> str:
    middleware = MunicipalityMiddleware(
        lambda request: HttpResponse(timezone.get_current_timezone_name())
    )
    return middleware(RequestFactory().get("/", HTTP_HOST=host)).content.decode()


def test_a_request_runs_on_its_municipality_s_clock(tenant_a, tenant_b):
    tenant_b.timezone = "America/New_York"
    tenant_b.save(update_fields=["timezone"])
    assert _zone_seen_by_a_request(tenant_b.get_primary_domain().domain) == "America/New_York"
    assert _zone_seen_by_a_request(tenant_a.get_primary_domain().domain) == "Asia/Dhaka"
    # and back again on the same thread: nothing of the other request stays
    assert _zone_seen_by_a_request(tenant_b.get_primary_domain().domain) == "America/New_York"


def test_a_task_switches_to_its_municipality_s_clock(tenant_b):
    tenant_b.timezone = "Europe/London"
    tenant_b.save(update_fields=["timezone"])
    connection.set_tenant(tenant_b)
    try:
        _municipality_clock()
        assert timezone.get_current_timezone_name() == "Europe/London"
    finally:
        timezone.deactivate()
        connection.set_schema_to_public()


@contextmanager
def _committed_timezone(schema: str, zone: str):
    """The worker has its own connection: the change must be committed."""
    with own_connection() as other:
        (before,) = other.execute(
            "SELECT timezone FROM public.tenants_municipality WHERE schema_name = %s", [schema]
        ).fetchone()
        other.execute(
            "UPDATE public.tenants_municipality SET timezone = %s WHERE schema_name = %s",
            [zone, schema],
        )
        try:
            yield
        finally:
            other.execute(
                "UPDATE public.tenants_municipality SET timezone = %s WHERE schema_name = %s",
                [before, schema],
            )


@pytest.mark.worker
def test_a_task_on_a_real_worker_runs_on_its_municipality_s_clock(
    celery_worker, tenant_a, tenant_b
):
    with _committed_timezone(tenant_b.schema_name, "Asia/Kathmandu"):
        with schema_context(tenant_b.schema_name):
            in_b = clock_probe_task.delay()
        with schema_context(tenant_a.schema_name):
            in_a = clock_probe_task.delay()
        assert in_b.get(timeout=20) == "Asia/Kathmandu"
        assert in_a.get(timeout=20) == "Asia/Dhaka"

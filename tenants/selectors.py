"""Reads of the platform's own tables (public schema)."""

from django.conf import settings
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.models import Domain, JobRun, Municipality


def _internal_schemas() -> tuple[str, str]:
    return (get_public_schema_name(), settings.TENANT_BASE_SCHEMA)


def municipality_list() -> QuerySet[Municipality]:
    """Real municipalities, ready or still being provisioned."""
    return (
        Municipality.objects.exclude(schema_name__in=_internal_schemas())
        .exclude(kind=Municipality.Kind.PLATFORM)
        .prefetch_related("domains")
        .order_by("code")
    )


def municipality_ready_list() -> QuerySet[Municipality]:
    return municipality_list().filter(ready=True)


def municipality_get(*, code: str) -> Municipality:
    return municipality_list().get(code=code)


def code_is_taken(code: str) -> bool:
    return (
        Municipality.objects.filter(code=code).exists()
        or Municipality.objects.filter(schema_name=code).exists()
    )


def domain_is_taken(domain: str) -> bool:
    return Domain.objects.filter(domain__iexact=domain).exists()


def job_run_list(*, schema_name: str | None = None, limit: int = 50) -> list[JobRun]:
    runs = JobRun.objects.all()
    if schema_name is not None:
        runs = runs.filter(schema_name=schema_name)
    return list(runs[:limit])


def job_run_latest_by_schema(schema_names: list[str]) -> dict[str, JobRun]:
    """The most recent run per schema, in one query (DISTINCT ON)."""
    runs = (
        JobRun.objects.filter(schema_name__in=schema_names)
        .order_by("schema_name", "-started_at")
        .distinct("schema_name")
    )
    return {run.schema_name: run for run in runs}

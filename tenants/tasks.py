"""Tasks take ids, call a service, and come from the tenant-aware app."""

from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from tenants.celery import JobTask, app


class ProvisionJobTask(JobTask):
    abstract = True

    def job_schema_name(self, args, kwargs) -> str:
        # Runs in public, but operators look for it under the new municipality.
        from tenants.models import Municipality

        municipality_id = kwargs.get("municipality_id", args[0] if args else None)
        schema = (
            Municipality.objects.filter(pk=municipality_id)
            .values_list("schema_name", flat=True)
            .first()
        )
        return schema or connection.schema_name


@app.task(base=ProvisionJobTask, name="tenants.tasks.municipality_provision_task")
def municipality_provision_task(
    municipality_id: int, admin_username: str, admin_email: str, admin_password_hash: str
) -> str:
    from tenants.services import municipality_provision

    municipality = municipality_provision(
        municipality_id=municipality_id,
        admin_username=admin_username,
        admin_email=admin_email,
        admin_password_hash=admin_password_hash,
    )
    return f"{municipality.code} ready"


@app.task(base=JobTask, name="tenants.tasks.sessions_clear_task")
def sessions_clear_task() -> str:
    """Periodic, per municipality: drop expired staff sessions."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return f"{deleted} expired sessions removed"


@app.task(base=JobTask, name="tenants.tasks.tenant_heartbeat_task")
def tenant_heartbeat_task() -> str:
    """Periodic, per municipality: proves the worker reaches the schema."""
    return f"schema {connection.schema_name} reachable"


@app.task(name="tenants.tasks.schema_probe_task")
def schema_probe_task() -> str:
    """Returns the schema the worker ran it in (used by health and tests)."""
    return connection.schema_name


@app.task(name="tenants.tasks.clock_probe_task")
def clock_probe_task() -> str:
    """The time zone a task runs with (its municipality's; used by tests)."""
    return timezone.get_current_timezone_name()

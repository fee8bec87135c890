"""The tenant-aware Celery app every task in the project comes from.

tenant-schemas-celery puts the current schema in a task header when a task
is sent and switches to it on the worker before the task runs.  Domain code
does ``from tenants.celery import app`` and ``@app.task(base=JobTask)``;
bare ``shared_task`` is banned by ruff (pyproject.toml)."""

from celery.signals import task_prerun
from django.db import connection
from django.utils import timezone
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

from tenants.clock import municipality_timezone_activate


@task_prerun.connect(weak=False)
def _municipality_clock(**_) -> None:
    """After tenant-schemas-celery switched the schema (its handler was
    connected first): the task runs on that municipality's clock."""
    municipality_timezone_activate(getattr(connection, "tenant", None))


class ImisTask(TenantTask):
    """Base for every task: runs in the schema it was sent from."""

    abstract = True


class JobTask(ImisTask):
    """A task whose every run is logged in the console's job log (JobRun)."""

    abstract = True

    def job_schema_name(self, args, kwargs) -> str:
        """The municipality a run is listed under (by default, where it runs)."""
        return connection.schema_name

    def before_start(self, task_id, args, kwargs):
        from tenants.models import JobRun

        JobRun.objects.update_or_create(
            task_id=task_id,
            defaults={
                "schema_name": self.job_schema_name(args, kwargs),
                "task_name": self.name,
                "status": JobRun.Status.STARTED,
                "started_at": timezone.now(),
                "finished_at": None,
                "detail": "",
            },
        )

    def _finish(self, task_id, status, detail: str) -> None:
        from tenants.models import JobRun

        JobRun.objects.filter(task_id=task_id).update(
            status=status, finished_at=timezone.now(), detail=detail[:4000]
        )

    def on_success(self, retval, task_id, args, kwargs):
        from tenants.models import JobRun

        self._finish(task_id, JobRun.Status.SUCCESS, "" if retval is None else str(retval))

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from tenants.models import JobRun

        self._finish(task_id, JobRun.Status.FAILURE, f"{type(exc).__name__}: {exc}")


app = CeleryApp("imis", task_cls=ImisTask)

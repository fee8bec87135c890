"""Background imports.  Acks late: a killed worker's task comes back, and
import_job_run starts the job again (or does nothing if it finished)."""

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="backoffice.registry.importing.tasks.import_job_run_task")
def import_job_run_task(job_id: int) -> str:
    from backoffice.registry.importing.services import import_job_run

    job = import_job_run(job_id=job_id)
    return (
        f"import {job.pk} ({job.kind}): {job.status}, {job.imported_rows} imported,"
        f" {job.rejected_rows} rejected"
    )


@app.task(base=JobTask, name="backoffice.registry.importing.tasks.import_statistics_task")
def import_statistics_task(kind: str) -> str:
    from backoffice.registry.importing.services import import_statistics_refresh

    import_statistics_refresh(kind=kind)
    return f"statistics of the {kind} refreshed"

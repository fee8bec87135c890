"""Water bill runs issue in a worker.  The service is idempotent, so a
killed worker's task (acks late) can simply run again."""

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="backoffice.water.tasks.water_run_issue_task")
def water_run_issue_task(run_id: int) -> str:
    from backoffice.water.runs import water_run_issue

    run = water_run_issue(run_id=run_id)
    return f"water bill run {run.pk} ({run.period}): {run.state}, {run.bill_count} bills"

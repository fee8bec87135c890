"""Issuing runs in a worker.  The service is idempotent, so a killed worker's
task (acks late) can simply run again."""

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="backoffice.billing.tasks.bill_run_issue_task")
def bill_run_issue_task(run_id: int) -> str:
    from backoffice.billing.services import bill_run_issue

    run = bill_run_issue(run_id=run_id)
    return f"bill run {run.pk} ({run.period}): {run.state}, {run.bill_count} bills"

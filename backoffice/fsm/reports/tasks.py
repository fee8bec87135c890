"""Beat sends ``monthly_reports_check_task`` to every ready municipality
every hour (settings: CELERY_BEAT_SCHEDULE); where it is the 1st of the
month locally and reports are missing, it queues the (logged) generation."""

from tenants.celery import JobTask, app


@app.task(name="backoffice.fsm.reports.tasks.monthly_reports_check_task")
def monthly_reports_check_task() -> str:
    from backoffice.fsm.reports.services import monthly_reports_due

    month = monthly_reports_due()
    if month is None:
        return "nothing due"
    monthly_reports_generate_task.delay(month.isoformat())
    return f"queued {month:%Y-%m}"


@app.task(base=JobTask, name="backoffice.fsm.reports.tasks.monthly_reports_generate_task")
def monthly_reports_generate_task(month: str) -> str:
    import datetime

    from backoffice.fsm.reports.services import monthly_reports_generate

    made = monthly_reports_generate(month=datetime.date.fromisoformat(month))
    return f"{len(made)} provider reports for {month[:7]}"

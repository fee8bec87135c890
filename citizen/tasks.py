"""Periodic clean-up of the public site's one-time codes."""

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="citizen.tasks.otp_purge_task")
def otp_purge_task() -> str:
    """Daily, per municipality."""
    from citizen.services import otp_purge

    return f"{otp_purge()} old one-time codes removed"

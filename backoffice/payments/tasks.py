"""Reconciliation: every 15 minutes per municipality (beat fans it out),
ask the gateway about transactions still pending after a few minutes."""

from django.conf import settings

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="backoffice.payments.tasks.payment_reconcile_task")
def payment_reconcile_task(min_age_seconds: int | None = None) -> str:
    from backoffice.payments.services import reconcile_pending

    if min_age_seconds is None:
        min_age_seconds = settings.IMIS_PAYMENTS_RECONCILE_AFTER_SECONDS
    counts = reconcile_pending(min_age_seconds=min_age_seconds)
    if not counts:
        return "no pending transactions"
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))

"""Sending in a worker, retried with exponential backoff.  The outbox row is
the delivery log, so these use the plain ImisTask (no JobRun per SMS)."""

from django.conf import settings

from tenants.celery import ImisTask, app


@app.task(base=ImisTask, bind=True, name="backoffice.notifications.tasks.sms_send_task")
def sms_send_task(self, message_id: int) -> str:
    from backoffice.notifications.models import SmsMessage
    from backoffice.notifications.services import sms_deliver

    try:
        delivery = sms_deliver(message_id=message_id)
    except SmsMessage.DoesNotExist:  # removed meanwhile (or its transaction rolled back)
        return f"sms {message_id}: gone"
    message = delivery.message
    if delivery.retry:
        countdown = settings.IMIS_SMS_RETRY_BACKOFF_SECONDS * 2 ** (message.attempts - 1)
        raise self.retry(countdown=countdown, max_retries=settings.IMIS_SMS_MAX_ATTEMPTS)
    return f"sms {message.pk}: {message.status} after {message.attempts} attempt(s)"


@app.task(base=ImisTask, name="backoffice.notifications.tasks.sms_requeue_stale_task")
def sms_requeue_stale_task() -> str:
    """Periodic, per municipality: send again what lost its task."""
    from backoffice.notifications.services import sms_stale_ids

    ids = sms_stale_ids()
    for message_id in ids:
        sms_send_task.delay(message_id)
    return f"{len(ids)} stale SMS queued again"

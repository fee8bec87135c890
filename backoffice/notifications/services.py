"""SMS writes: queue a message (the outbox row commits with the caller's
change, the task is queued after commit) and deliver one (idempotent)."""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backoffice.notifications import texts
from backoffice.notifications.gateway import GatewayError, gateway_get
from backoffice.notifications.models import SmsMessage
from backoffice.registry.codes import phone_normalise

REDACTED = "[one-time code removed after sending]"


def _csms_id() -> str:
    # 20 characters at most (gateway limit); random, so unique across schemas too.
    return "IMIS" + secrets.token_hex(8)


@transaction.atomic
def sms_queue(
    *, phone: str, template_key: str, language: str, context: dict, related: str = ""
) -> SmsMessage:
    """Render ``template_key`` in ``language`` and queue it for ``phone``."""
    language = language if language in ("en", "bn") else "en"
    message = SmsMessage(
        phone=phone_normalise(phone),
        language=language,
        template_key=template_key,
        body=texts.sms_render(template_key, language=language, context=context),
        sensitive=template_key in texts.SENSITIVE,
        csms_id=_csms_id(),
        related=related[:60],
    )
    message.full_clean()
    message.save()
    from backoffice.notifications.tasks import sms_send_task

    transaction.on_commit(lambda: sms_send_task.delay(message.pk))
    return message


@dataclass(frozen=True)
class Delivery:
    message: SmsMessage
    retry: bool  # a transient failure: try again later


def sms_deliver(*, message_id: int, gateway=None) -> Delivery:
    """One delivery attempt.  The row is locked for the attempt, so a second
    task for the same message waits and then finds it sent: nothing is sent
    twice.  A gateway that already has our csms_id counts as sent."""
    gateway = gateway or gateway_get()
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message_id)
        if message.status != SmsMessage.Status.QUEUED:
            return Delivery(message, retry=False)
        now = timezone.now()
        message.attempts += 1
        message.last_attempt_at = now
        retry = False
        try:
            result = gateway.send(phone=message.phone, text=message.body, csms_id=message.csms_id)
        except GatewayError as exc:
            message.error = str(exc)[:1000]
            retry = exc.retryable and message.attempts < settings.IMIS_SMS_MAX_ATTEMPTS
            if not retry:
                message.status = SmsMessage.Status.FAILED
        else:
            message.status = SmsMessage.Status.SENT
            message.sent_at = now
            message.gateway_reference = result.reference or message.gateway_reference
            message.error = "" if not result.duplicate else "gateway already had this message"
            if message.sensitive:
                message.body = REDACTED
        message.save()
    return Delivery(message, retry=retry)


def sms_stale_ids(*, now=None, limit: int = 500) -> list[int]:
    """Queued messages nobody has tried for a good while: their task was lost
    (a broker flushed, a worker killed past its retries).  Twice the longest
    backoff, at least ten minutes; re-sending is safe (sms_deliver is idempotent)."""
    now = now or timezone.now()
    longest = settings.IMIS_SMS_RETRY_BACKOFF_SECONDS * 2 ** (settings.IMIS_SMS_MAX_ATTEMPTS - 1)
    cutoff = now - datetime.timedelta(seconds=max(600, 2 * longest))
    quiet = Q(last_attempt_at__lt=cutoff) | Q(last_attempt_at__isnull=True, created_at__lt=cutoff)
    return list(
        SmsMessage.objects.filter(quiet, status=SmsMessage.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )

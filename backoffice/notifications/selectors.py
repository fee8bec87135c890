"""Reads of the SMS delivery log (staff)."""

from django.db.models import QuerySet

from backoffice.notifications.models import SmsMessage
from backoffice.registry.codes import BANGLA_DIGITS

PAGE_SIZE = 100


def sms_log(*, actor, status: str = "", phone: str = "") -> QuerySet[SmsMessage]:
    """Newest first; ``phone`` matches the end of the number (type the last digits)."""
    queryset = SmsMessage.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    digits = "".join(ch for ch in phone.translate(BANGLA_DIGITS) if ch.isdigit())
    if digits:
        queryset = queryset.filter(phone__endswith=digits[-10:])
    return queryset.order_by("-created_at", "-pk")


def sms_counts(*, actor) -> dict[str, int]:
    from django.db.models import Count

    rows = SmsMessage.objects.values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}

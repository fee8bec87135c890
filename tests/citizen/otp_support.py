"""Reading a one-time code the way a citizen does: from the SMS."""

import re

from backoffice.notifications.models import SmsMessage


def code_from_outbox(phone: str) -> str:
    """The code in the latest SMS queued for ``phone`` (not sent yet in a
    test transaction, so the text is still there)."""
    message = SmsMessage.objects.filter(phone=phone, template_key="otp").latest("pk")
    return re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", message.body).group(1)

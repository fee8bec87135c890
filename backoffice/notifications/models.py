"""The SMS outbox.  Each row is one message to one phone; the same row is
the delivery log (attempts, gateway reference, last error)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.registry.codes import validate_bd_phone


class SmsMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    phone = models.CharField(_("phone"), max_length=14, validators=[validate_bd_phone])
    language = models.CharField(
        _("language"), max_length=2, choices=[("en", "English"), ("bn", "বাংলা")]
    )
    template_key = models.CharField(_("template"), max_length=60)
    body = models.TextField(_("message"))
    # A one-time code is blanked from the log once the gateway has it.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # The client message ID sent to the gateway (SSL Wireless "csms_id", at
    # most 20 characters, unique per day there; unique for ever here).
    csms_id = models.CharField(_("client message ID"), max_length=20, unique=True)
    related = models.CharField(_("about"), max_length=60, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway_reference = models.CharField(_("gateway reference"), max_length=64, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        indexes = [models.Index(fields=["phone", "created_at"])]

    def __str__(self) -> str:
        return f"{self.csms_id} to {self.phone} ({self.status})"

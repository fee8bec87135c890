"""One stored report per service provider and month (the unique
constraint is what makes the monthly job idempotent)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.registry.importing.storage import private_storage


class ProviderReport(models.Model):
    provider = models.ForeignKey(
        "fsm.ServiceProvider",
        on_delete=models.CASCADE,
        related_name="monthly_reports",
        verbose_name=_("service provider"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    # The figures the files show, as numbers (Decimal values as strings).
    totals = models.JSONField(_("totals"), default=dict)
    pdf = models.FileField(_("PDF"), storage=private_storage, max_length=300)
    xlsx = models.FileField(_("Excel"), storage=private_storage, max_length=300)
    generated_at = models.DateTimeField(_("generated"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "provider__name"]
        verbose_name = _("monthly service-provider report")
        verbose_name_plural = _("monthly service-provider reports")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month"], name="fsm_reports_one_per_provider_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="fsm_reports_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.month:%Y-%m}"

"""Holding-tax billing: rates per holding type, quarterly periods, bill runs
and bills.  Following pretix's invoices: a bill is never edited or deleted
once issued (a database trigger refuses it; only the issued -> cancelled
status change is let through), numbers are consecutive per municipality
(schema) and period, and a correction or cancellation is a new document
that points at the old one."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.registry.choices import HoldingType
from backoffice.registry.models import Holding

COMPONENT_LABELS = {
    "holding_tax": _("Holding tax"),
    "conservancy": _("Conservancy"),
    "lighting": _("Lighting"),
    "water": _("Water"),
}

_PCT = [MinValueValidator(0), MaxValueValidator(100)]


def _pct(label):
    return models.DecimalField(label, max_digits=6, decimal_places=3, default=0, validators=_PCT)


class TaxRate(models.Model):
    """Yearly percentages of the annual value for one holding type."""

    holding_type = models.CharField(
        _("holding type"), max_length=12, choices=HoldingType.choices, unique=True
    )
    holding_tax_pct = _pct(_("holding tax %"))
    conservancy_pct = _pct(_("conservancy %"))
    lighting_pct = _pct(_("lighting %"))
    water_pct = _pct(_("water %"))
    rebate_pct = _pct(_("early-payment rebate %"))
    surcharge_pct = _pct(_("arrears surcharge %"))
    exempt = models.BooleanField(_("exempt"), default=False)

    class Meta:
        ordering = ["holding_type"]
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")

    def __str__(self) -> str:
        return self.get_holding_type_display()


class BillingPeriod(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_on = models.DateField(_("due on"))
    # The last bill number handed out in this period; locked while issuing.
    last_number = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="billing_period_once"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="billing_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"


class BillRun(models.Model):
    class State(models.TextChoices):
        PREPARED = "prepared", _("Prepared")
        APPROVED = "approved", _("Approved")
        ISSUING = "issuing", _("Issuing")
        ISSUED = "issued", _("Issued")

    period = models.OneToOneField(
        BillingPeriod, on_delete=models.PROTECT, related_name="run", verbose_name=_("period")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PREPARED
    )
    # Review figures from preparation: {"<ward number>": {"count": n, "total": "Decimal"}}
    totals_by_ward = models.JSONField(_("totals by ward"), default=dict, blank=True)
    total = models.DecimalField(_("total (BDT)"), max_digits=16, decimal_places=2, default=0)
    holding_count = models.PositiveIntegerField(_("holdings"), default=0)
    # [{"holding": code, "problem": slug}]
    exceptions = models.JSONField(_("exceptions"), default=list, blank=True)
    bill_count = models.PositiveIntegerField(_("bills issued"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,  # the synthetic generator prepares runs on its own
        related_name="+",
        verbose_name=_("prepared by"),
    )
    prepared_at = models.DateTimeField(_("prepared at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        ordering = ["-period__year", "-period__quarter"]
        verbose_name = _("bill run")
        verbose_name_plural = _("bill runs")

    def __str__(self) -> str:
        return str(self.period)


class Bill(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        BILL = "bill", _("Bill")
        CORRECTION = "correction", _("Correction")
        CANCELLATION = "cancellation", _("Cancellation")

    run = models.ForeignKey(BillRun, on_delete=models.PROTECT, verbose_name=_("bill run"))
    holding = models.ForeignKey(Holding, on_delete=models.PROTECT, verbose_name=_("holding"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.BILL)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    annual_value = models.DecimalField(_("annual value (BDT)"), max_digits=14, decimal_places=2)
    # [{"code": "holding_tax", "amount": "123.45"}], amounts as Decimal strings.
    lines = models.JSONField(_("lines"), default=list)
    arrears = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2, default=0)
    surcharge = models.DecimalField(_("surcharge"), max_digits=14, decimal_places=2, default=0)
    rebate = models.DecimalField(
        _("rebate if paid by the due date"), max_digits=14, decimal_places=2, default=0
    )
    total = models.DecimalField(_("total (BDT)"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "holding"],
                condition=models.Q(kind="bill"),
                name="billing_one_bill_per_run_holding",
            ),
        ]
        indexes = [models.Index(fields=["holding", "run"])]

    def __str__(self) -> str:
        return self.number


class Exemption(models.Model):
    """A holding freed from the current charges of every bill whose period
    overlaps ``starts_on``..``ends_on`` (open-ended while ``ends_on`` is
    empty).  Arrears stay owed.  Granted and ended only through
    ``billing.exemptions`` (revenue chief or municipal admin, audited); an
    ended exemption keeps its row, with who ended it and when."""

    class Reason(models.TextChoices):
        RELIGIOUS = "religious", _("Religious institution")
        EDUCATIONAL = "educational", _("Educational institution")
        GOVERNMENT = "government", _("Government property")
        FREEDOM_FIGHTER = "freedom_fighter", _("Freedom fighter")
        POVERTY = "poverty", _("Poverty")
        OTHER = "other", _("Other")

    holding = models.ForeignKey(
        Holding, on_delete=models.PROTECT, related_name="exemptions", verbose_name=_("holding")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="billing_exemption_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["holding", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.holding} ({self.get_reason_display()})"

    def overlaps(self, starts_on, ends_on) -> bool:
        """Whether this exemption covers any day of ``starts_on``..``ends_on``."""
        return self.starts_on <= ends_on and (self.ends_on is None or self.ends_on >= starts_on)

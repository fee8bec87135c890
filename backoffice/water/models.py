"""Water supply: tariff categories and slabs, connections, meters, readings,
monthly bill runs and bills, new-connection applications.

Water bills keep holding tax's guarantees (backoffice.billing): never edited
or deleted once issued (a database trigger refuses it; only the issued ->
cancelled status change is let through), numbers consecutive per
municipality (schema) and period from the period's ``last_number`` taken
under a row lock, one bill per run and connection (unique)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backoffice.registry.models import Building, Holding

_MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}
_M3 = {"max_digits": 12, "decimal_places": 3}

# Pipe diameters (mm) a connection can have; fees are set per category and size.
SIZE_CHOICES = [(s, f"{s} mm") for s in (12, 15, 20, 25, 32, 40, 50, 80, 100)]

# The sequence connection numbers come from (one per schema, made in 0001).
CONNECTION_SEQUENCE = "water_connection_number_seq"


class TariffCategory(models.Model):
    """A tariff category (domestic, commercial...): slabs for metered
    connections with a minimum charge and a meter rent, a flat monthly rate
    for unmetered ones, and the ceiling above which a month's use is flagged."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_bn = models.CharField(_("name (Bangla)"), max_length=80)
    minimum_charge = models.DecimalField(_("minimum charge (BDT)"), default=0, **_MONEY)
    meter_rent = models.DecimalField(_("meter rent (BDT a month)"), default=0, **_MONEY)
    flat_rate = models.DecimalField(_("flat monthly rate (BDT)"), default=0, **_MONEY)
    ceiling_m3 = models.DecimalField(
        _("monthly use flagged above (m³)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **_M3,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("tariff category")
        verbose_name_plural = _("tariff categories")

    def __str__(self) -> str:
        return self.name_en

    def name(self, language: str = "en") -> str:
        return self.name_bn if language.startswith("bn") and self.name_bn else self.name_en


class TariffSlab(models.Model):
    """Use from the previous slab's upper bound up to ``upto_m3`` (no bound:
    everything above) is charged ``rate`` per m³."""

    category = models.ForeignKey(
        TariffCategory, on_delete=models.CASCADE, related_name="slabs", verbose_name=_("category")
    )
    upto_m3 = models.DecimalField(
        _("up to (m³)"), null=True, blank=True, validators=[MinValueValidator(0)], **_M3
    )
    rate = models.DecimalField(_("rate (BDT per m³)"), **_MONEY)

    class Meta:
        ordering = ["category", models.F("upto_m3").asc(nulls_last=True)]
        verbose_name = _("tariff slab")
        verbose_name_plural = _("tariff slabs")
        constraints = [
            models.UniqueConstraint(fields=["category", "upto_m3"], name="water_slab_bound_once"),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(upto_m3__isnull=True),
                name="water_one_open_slab",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} <= {self.upto_m3}: {self.rate}"


class Connection(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DISCONNECTED = "disconnected", _("Disconnected")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("connection number"), max_length=20, unique=True, editable=False)
    holding = models.ForeignKey(
        Holding,
        on_delete=models.PROTECT,
        related_name="water_connections",
        verbose_name=_("holding"),
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="water_connections",
        verbose_name=_("building"),
    )
    location = models.PointField(_("location"), srid=4326)
    category = models.ForeignKey(
        TariffCategory, on_delete=models.PROTECT, verbose_name=_("tariff category")
    )
    size_mm = models.PositiveSmallIntegerField(_("pipe size (mm)"), choices=SIZE_CHOICES)
    metered = models.BooleanField(_("metered"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    connected_on = models.DateField(_("connected on"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("water connection")
        verbose_name_plural = _("water connections")
        indexes = [models.Index(fields=["holding"]), models.Index(fields=["status", "category"])]

    def __str__(self) -> str:
        return self.number


class Meter(models.Model):
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="meters", verbose_name=_("connection")
    )
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    installed_on = models.DateField(_("installed on"))
    initial_reading = models.DecimalField(
        _("initial reading (m³)"), default=0, validators=[MinValueValidator(0)], **_M3
    )
    # A dial of this many whole-m³ digits rolls over to zero at 10^digits.
    digits = models.PositiveSmallIntegerField(
        _("dial digits"), default=6, validators=[MinValueValidator(3), MaxValueValidator(9)]
    )
    active = models.BooleanField(_("active"), default=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        ordering = ["connection", "-installed_on"]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=Q(active=True), name="water_one_active_meter"
            )
        ]

    def __str__(self) -> str:
        return self.serial


class WaterBillingPeriod(models.Model):
    """One month.  Readings for it are taken between ``starts_on`` and
    ``ends_on``; its bills are numbered from ``last_number`` (locked while
    issuing)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    starts_on = models.DateField(_("readings from"))
    ends_on = models.DateField(_("readings until"))
    due_on = models.DateField(_("due on"))
    last_number = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = _("water billing period")
        verbose_name_plural = _("water billing periods")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="water_period_once"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="water_month_1_12"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="water_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def number_prefix(self) -> str:
        return f"W{self.year}{self.month:02d}-"


class Reading(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        FLAGGED = "flagged", _("Flagged for review")
        REJECTED = "rejected", _("Rejected")

    meter = models.ForeignKey(
        Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("meter")
    )
    period = models.ForeignKey(
        WaterBillingPeriod,
        on_delete=models.PROTECT,
        related_name="readings",
        verbose_name=_("period"),
    )
    read_on = models.DateField(_("read on"))
    value = models.DecimalField(_("reading (m³)"), validators=[MinValueValidator(0)], **_M3)
    # Use since the previous reading (rollover and meter replacement counted).
    consumption = models.DecimalField(_("use (m³)"), **_M3)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("reader"),
    )
    # Slugs: "rollover", "meter_replaced" (given by the reader), "jump",
    # "ceiling" (found by the checks).
    flags = models.JSONField(_("flags"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACCEPTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meter", "-read_on", "-id"]
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "period"],
                condition=~Q(status="rejected"),
                name="water_one_reading_per_meter_month",
            ),
        ]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return f"{self.meter} {self.read_on}: {self.value}"

    @property
    def accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED


class WaterBillRun(models.Model):
    class State(models.TextChoices):
        PREPARED = "prepared", _("Prepared")
        APPROVED = "approved", _("Approved")
        ISSUING = "issuing", _("Issuing")
        ISSUED = "issued", _("Issued")

    period = models.OneToOneField(
        WaterBillingPeriod, on_delete=models.PROTECT, related_name="run", verbose_name=_("period")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PREPARED
    )
    # {"<ward number>": {"count": n, "total": "Decimal", "m3": "Decimal"}}
    totals_by_ward = models.JSONField(_("totals by ward"), default=dict, blank=True)
    total = models.DecimalField(_("total (BDT)"), max_digits=16, decimal_places=2, default=0)
    consumption = models.DecimalField(_("use (m³)"), max_digits=16, decimal_places=3, default=0)
    connection_count = models.PositiveIntegerField(_("connections"), default=0)
    # [{"connection": number, "problem": slug}]
    exceptions = models.JSONField(_("exceptions"), default=list, blank=True)
    bill_count = models.PositiveIntegerField(_("bills issued"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
        ordering = ["-period__year", "-period__month"]
        verbose_name = _("water bill run")
        verbose_name_plural = _("water bill runs")

    def __str__(self) -> str:
        return str(self.period)


class WaterBill(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        BILL = "bill", _("Bill")
        CANCELLATION = "cancellation", _("Cancellation")

    run = models.ForeignKey(WaterBillRun, on_delete=models.PROTECT, verbose_name=_("bill run"))
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="bills", verbose_name=_("connection")
    )
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
    category = models.CharField(_("tariff category"), max_length=20)
    metered = models.BooleanField(_("metered"))
    consumption = models.DecimalField(_("use (m³)"), **_M3)
    # [{"code": "slab", "from": "0", "to": "10", "m3": "10.000", "rate": "5.00",
    #   "amount": "50.00"}, {"code": "minimum"|"meter_rent"|"flat", "amount": ...}]
    lines = models.JSONField(_("lines"), default=list)
    meter_rent = models.DecimalField(_("meter rent"), max_digits=12, decimal_places=2, default=0)
    # What was still owed on the previous bill (its total less valid payments).
    arrears = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total (BDT)"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("water bill")
        verbose_name_plural = _("water bills")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "connection"],
                condition=Q(kind="bill"),
                name="water_one_bill_per_run_connection",
            ),
        ]
        indexes = [models.Index(fields=["connection", "run"])]

    def __str__(self) -> str:
        return self.number


class ConnectionFee(models.Model):
    """The new-connection fee for a category and pipe size."""

    category = models.ForeignKey(
        TariffCategory, on_delete=models.CASCADE, related_name="fees", verbose_name=_("category")
    )
    size_mm = models.PositiveSmallIntegerField(_("pipe size (mm)"), choices=SIZE_CHOICES)
    amount = models.DecimalField(_("fee (BDT)"), **_MONEY)

    class Meta:
        ordering = ["category", "size_mm"]
        verbose_name = _("connection fee")
        verbose_name_plural = _("connection fees")
        constraints = [
            models.UniqueConstraint(fields=["category", "size_mm"], name="water_fee_once")
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.size_mm} mm: {self.amount}"


class ConnectionApplication(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        FEE_PAID = "fee_paid", _("Fee paid")
        CONNECTED = "connected", _("Connected")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    applicant_name = models.CharField(_("applicant"), max_length=150)
    applicant_phone = models.CharField(_("phone"), max_length=14, blank=True)
    holding = models.ForeignKey(
        Holding, on_delete=models.PROTECT, related_name="+", verbose_name=_("holding")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    category = models.ForeignKey(
        TariffCategory, on_delete=models.PROTECT, verbose_name=_("tariff category")
    )
    size_mm = models.PositiveSmallIntegerField(_("pipe size (mm)"), choices=SIZE_CHOICES)
    metered = models.BooleanField(_("metered"), default=True)
    fee = models.DecimalField(_("fee (BDT)"), **_MONEY)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SUBMITTED
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    fee_receipt = models.CharField(_("fee receipt"), max_length=40, blank=True)
    connection = models.OneToOneField(
        Connection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("connection"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("connection application")
        verbose_name_plural = _("connection applications")

    def __str__(self) -> str:
        return self.reference

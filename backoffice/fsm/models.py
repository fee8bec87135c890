"""Faecal sludge management: containments, providers, plants, applications.

Containment IDs and application references come from per-schema sequences
(so per municipality), never from max()+1."""

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import workflow

CONTAINMENT_SEQUENCE = "fsm_containment_seq"
APPLICATION_SEQUENCE = "fsm_application_seq"


class FsmConfig(models.Model):
    """Per-municipality FSM settings (one row)."""

    containment_prefix = models.CharField(_("containment ID prefix"), max_length=10, default="C")
    containment_digits = models.PositiveSmallIntegerField(
        _("containment ID digits"),
        default=7,
        validators=[MinValueValidator(4), MaxValueValidator(12)],
    )
    application_prefix = models.CharField(
        _("application reference prefix"), max_length=10, default="E"
    )
    default_emptying_years = models.PositiveSmallIntegerField(
        _("default emptying frequency (years)"), default=3
    )

    class Meta:
        verbose_name = _("FSM settings")

    def __str__(self) -> str:
        return f"{self.containment_prefix}{'0' * self.containment_digits}"


class ContainmentType(models.Model):
    """The 16 standard on-site sanitation types (seeded by migration)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bn = models.CharField(_("name (Bangla)"), max_length=120)
    emptiable = models.BooleanField(_("can be emptied"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("containment type")
        verbose_name_plural = _("containment types")

    def __str__(self) -> str:
        return self.name_en


class Containment(models.Model):
    code = models.CharField(_("containment ID"), max_length=24, unique=True, editable=False)
    containment_type = models.ForeignKey(
        ContainmentType, on_delete=models.PROTECT, verbose_name=_("type")
    )
    size = models.CharField(_("size"), max_length=60, blank=True)
    length_m = models.DecimalField(
        _("length (m)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    width_m = models.DecimalField(
        _("width (m)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    depth_m = models.DecimalField(
        _("depth (m)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    volume_m3 = models.DecimalField(
        _("volume (m³)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    constructed_on = models.DateField(_("construction date"), null=True, blank=True)
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    buildings = models.ManyToManyField(
        "registry.Building",
        through="ContainmentBuilding",
        related_name="containments",
        verbose_name=_("buildings served"),
    )
    households_served = models.PositiveIntegerField(_("households served"), default=0)
    population_served = models.PositiveIntegerField(_("population served"), default=0)
    toilets = models.PositiveSmallIntegerField(_("toilets"), default=0)
    well_distance_m = models.DecimalField(
        _("distance to the nearest well (m)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
    )
    last_emptied_on = models.DateField(_("last emptied"), null=True, blank=True)
    times_emptied = models.PositiveIntegerField(_("times emptied"), default=0)
    emptying_frequency_years = models.PositiveSmallIntegerField(
        _("emptying frequency (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    next_due_on = models.DateField(_("next emptying due"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("containment")
        verbose_name_plural = _("containments")

    def __str__(self) -> str:
        return self.code


class ContainmentBuilding(models.Model):
    containment = models.ForeignKey(Containment, on_delete=models.CASCADE)
    building = models.ForeignKey("registry.Building", on_delete=models.CASCADE)
    responsible = models.BooleanField(_("responsible building"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["containment", "building"], name="fsm_containment_building_unique"
            ),
            models.UniqueConstraint(
                fields=["containment"],
                condition=models.Q(responsible=True),
                name="fsm_containment_one_responsible",
            ),
        ]


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    INACTIVE = "inactive", _("Inactive")


class ServiceProvider(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    licence_number = models.CharField(_("licence number"), max_length=60, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wards = models.ManyToManyField(
        "registry.Ward", blank=True, related_name="+", verbose_name=_("wards served")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    class Role(models.TextChoices):
        DRIVER = "driver", _("Driver")
        EMPTIER = "emptier", _("Emptier")
        SUPERVISOR = "supervisor", _("Supervisor")

    provider = models.ForeignKey(
        ServiceProvider,
        on_delete=models.CASCADE,
        related_name="employees",
        verbose_name=_("service provider"),
    )
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    licence_number = models.CharField(_("driving licence"), max_length=60, blank=True)
    trained_on = models.DateField(_("safety training date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    class Condition(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        MAINTENANCE = "maintenance", _("Under maintenance")
        OUT_OF_SERVICE = "out_of_service", _("Out of service")

    provider = models.ForeignKey(
        ServiceProvider,
        on_delete=models.CASCADE,
        related_name="vehicles",
        verbose_name=_("service provider"),
    )
    plate = models.CharField(_("number plate"), max_length=30, unique=True)
    capacity_m3 = models.DecimalField(_("capacity (m³)"), max_digits=6, decimal_places=2)
    width_m = models.DecimalField(_("width (m)"), max_digits=4, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Condition.choices, default=Condition.IN_SERVICE
    )

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class TreatmentPlant(models.Model):
    class Kind(models.TextChoices):
        FSTP = "fstp", _("Faecal sludge treatment plant")
        CO_TREATMENT = "co_treatment", _("Co-treatment with sewage")
        DRYING_BEDS = "drying_beds", _("Drying beds")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    location = models.PointField(_("location"), srid=4326)
    capacity_m3_per_day = models.DecimalField(
        _("capacity (m³ per day)"), max_digits=8, decimal_places=2
    )
    caretaker_id = models.PositiveIntegerField(_("caretaker user id"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("treatment plant")
        verbose_name_plural = _("treatment plants")

    def __str__(self) -> str:
        return self.name


class EffluentStandard(models.Model):
    """A configurable limit for one effluent parameter."""

    class Parameter(models.TextChoices):
        PH = "ph", _("pH")
        BOD = "bod", _("BOD (mg/l)")
        COD = "cod", _("COD (mg/l)")
        TSS = "tss", _("TSS (mg/l)")
        ECOLI = "ecoli", _("E. coli (CFU/100 ml)")

    parameter = models.CharField(
        _("parameter"), max_length=8, choices=Parameter.choices, unique=True
    )
    minimum = models.DecimalField(
        _("minimum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("maximum"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("effluent standard")
        verbose_name_plural = _("effluent standards")

    def __str__(self) -> str:
        return self.parameter

    def complies(self, value) -> bool:
        if value is None:
            return True
        if self.minimum is not None and value < self.minimum:
            return False
        return not (self.maximum is not None and value > self.maximum)


class EffluentTest(models.Model):
    plant = models.ForeignKey(
        TreatmentPlant,
        on_delete=models.CASCADE,
        related_name="effluent_tests",
        verbose_name=_("treatment plant"),
    )
    sampled_on = models.DateField(_("sampled on"))
    ph = models.DecimalField(_("pH"), max_digits=4, decimal_places=2, null=True, blank=True)
    bod = models.DecimalField(
        _("BOD (mg/l)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    cod = models.DecimalField(
        _("COD (mg/l)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    tss = models.DecimalField(
        _("TSS (mg/l)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    ecoli = models.DecimalField(
        _("E. coli (CFU/100 ml)"), max_digits=14, decimal_places=0, null=True, blank=True
    )

    class Meta:
        ordering = ["-sampled_on"]
        verbose_name = _("effluent test")
        verbose_name_plural = _("effluent tests")

    def failures(self) -> list[str]:
        """Parameters outside this municipality's standards."""
        return [
            s.parameter
            for s in EffluentStandard.objects.all()
            if not s.complies(getattr(self, s.parameter))
        ]


class EmptyingApplication(models.Model):
    reference = models.CharField(_("reference number"), max_length=24, unique=True, editable=False)
    holding = models.ForeignKey(
        "registry.Holding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("holding"),
    )
    building = models.ForeignKey(
        "registry.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("building"),
    )
    containment = models.ForeignKey(
        Containment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("containment"),
    )
    applicant_name = models.CharField(_("applicant name"), max_length=120, blank=True)
    applicant_phone = models.CharField(_("applicant phone"), max_length=20, blank=True)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=list(workflow.STATES.items()),
        default=workflow.SUBMITTED,
        db_index=True,
    )
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)
    provider = models.ForeignKey(
        ServiceProvider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("service provider"),
    )
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("vehicle")
    )
    plant = models.ForeignKey(
        TreatmentPlant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("treatment plant"),
    )
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    estimated_volume_m3 = models.DecimalField(
        _("estimated volume (m³)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    fee = models.DecimalField(
        _("fee (BDT)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    emptied_volume_m3 = models.DecimalField(
        _("emptied volume (m³)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    disposed_volume_m3 = models.DecimalField(
        _("disposed volume (m³)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    crew_wore_ppe = models.BooleanField(_("crew wore protective equipment"), null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    fee_settled_at = models.DateTimeField(_("fee settled"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled"), null=True, blank=True)
    emptied_at = models.DateTimeField(_("emptied"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    sent_back_at = models.DateTimeField(_("sent back"), null=True, blank=True)
    provider_declined_at = models.DateTimeField(_("declined by provider"), null=True, blank=True)
    created_by_id = models.PositiveIntegerField(_("created by user id"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("emptying application")
        verbose_name_plural = _("emptying applications")

    def __str__(self) -> str:
        return self.reference

"""Faecal sludge management: containments, providers, plants, applications.

Containment IDs and application references come from per-schema sequences
(so per municipality), never from max()+1."""

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import workflow
from backoffice.registry import choices as registry_choices
from tenants.storage import private_storage

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
    # state -> hours (null: no clock); states absent use workflow.SLA_HOURS.
    sla_hours = models.JSONField(_("service level per state (hours)"), default=dict, blank=True)

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


class ProviderMember(models.Model):
    """A staff user who works for a service provider (sees only its jobs)."""

    provider = models.ForeignKey(
        ServiceProvider,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("service provider"),
    )
    user_id = models.PositiveIntegerField(_("user id"), unique=True)

    class Meta:
        verbose_name = _("service provider member")
        verbose_name_plural = _("service provider members")

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.user_id}"


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


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")
    WALK_IN = "walk_in", _("Walk-in")


class FeeMode(models.TextChoices):
    PAID = "paid", _("Paid")
    WAIVED = "waived", _("Waived")
    PAY_ON_SERVICE = "pay_on_service", _("Pay on service")


# Fee slabs apply to a holding type or a building use (the union, by value).
PROPERTY_TYPES = list(
    {
        **dict(registry_choices.BuildingUse.choices),
        **dict(registry_choices.HoldingType.choices),
    }.items()
)


def _money(verbose_name):
    return models.DecimalField(
        verbose_name,
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )


def _volume(verbose_name):
    return models.DecimalField(
        verbose_name,
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )


class EmptyingApplication(models.Model):
    reference = models.CharField(_("reference number"), max_length=24, unique=True, editable=False)
    # --- application
    applied_by_channel = models.CharField(
        _("applied by"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
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
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    address = models.CharField(_("address or landmark"), max_length=300, blank=True)
    # The building's, the holding's or the location's ward; or the ward a
    # citizen named who knew neither number nor the exact place.
    ward = models.ForeignKey(
        "registry.Ward",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ward"),
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
    # --- assessment (site visit)
    site_visit_on = models.DateField(_("site visit date"), null=True, blank=True)
    containment_confirmed = models.BooleanField(
        _("containment confirmed on site"), null=True, blank=True
    )
    containment_registered = models.BooleanField(
        _("containment registered at the visit"), default=False
    )
    access_notes = models.TextField(_("access notes"), blank=True)
    road_width_ok = models.BooleanField(_("road wide enough for a truck"), null=True, blank=True)
    vehicle_needed = models.ForeignKey(
        Vehicle,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vehicle needed"),
    )
    vehicle_capacity_needed_m3 = _volume(_("vehicle capacity needed (m³)"))
    trips_estimated = models.PositiveSmallIntegerField(
        _("trips estimated"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    estimated_volume_m3 = _volume(_("estimated volume (m³)"))
    estimated_fee = _money(_("estimated fee (BDT)"))
    plan = models.TextField(_("emptying plan"), blank=True)
    assessed_by_id = models.PositiveIntegerField(_("assessed by user id"), null=True, blank=True)
    # --- fee
    fee_mode = models.CharField(
        _("fee settlement"), max_length=16, choices=FeeMode.choices, blank=True
    )
    fee = _money(_("fee (BDT)"))
    fee_receipt_number = models.CharField(_("fee receipt number"), max_length=40, blank=True)
    fee_settled_by_id = models.PositiveIntegerField(
        _("fee settled by user id"), null=True, blank=True
    )
    # --- scheduling
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
    crew = models.ManyToManyField(
        Employee, blank=True, related_name="applications", verbose_name=_("crew")
    )
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    # Where the load goes (set at scheduling or emptying; confirmed at disposal).
    plant = models.ForeignKey(
        TreatmentPlant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("treatment plant"),
    )
    # --- emptying
    emptied_volume_m3 = _volume(_("emptied volume (m³)"))
    trips = models.PositiveSmallIntegerField(
        _("trips"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    emptying_started_at = models.DateTimeField(_("emptying started"), null=True, blank=True)
    emptying_ended_at = models.DateTimeField(_("emptying ended"), null=True, blank=True)
    emptying_cost = _money(_("emptying cost (BDT)"))
    emptying_receipt_number = models.CharField(
        _("emptying receipt number"), max_length=40, blank=True
    )
    emptied_by_id = models.PositiveIntegerField(_("emptied by user id"), null=True, blank=True)
    # --- disposal
    disposed_volume_m3 = _volume(_("disposed volume (m³)"))
    disposal_vehicle = models.ForeignKey(
        Vehicle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vehicle at the plant"),
    )
    arrived_at = models.DateTimeField(_("arrived at the plant"), null=True, blank=True)
    disposal_confirmed_by_id = models.PositiveIntegerField(
        _("disposal confirmed by user id"), null=True, blank=True
    )
    # --- feedback and side paths
    reason = models.TextField(_("reason"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    crew_wore_ppe = models.BooleanField(_("crew wore protective equipment"), null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    # --- timestamps
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    fee_settled_at = models.DateTimeField(_("fee settled"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled"), null=True, blank=True)
    emptied_at = models.DateTimeField(_("emptied"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("feedback given"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    sent_back_at = models.DateTimeField(_("sent back"), null=True, blank=True)
    provider_declined_at = models.DateTimeField(_("declined by provider"), null=True, blank=True)
    created_by_id = models.PositiveIntegerField(_("created by user id"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("emptying application")
        verbose_name_plural = _("emptying applications")
        indexes = [models.Index(fields=["state", "state_changed_at"])]

    def __str__(self) -> str:
        return self.reference


def emptying_photo_path(instance, filename: str) -> str:
    """fsm/photos/<reference>/<kind>-<name> under the municipality's media."""
    name = filename.rsplit("/", 1)[-1][-80:]
    return f"fsm/photos/{instance.application.reference}/{instance.kind}-{name}"


class EmptyingPhoto(models.Model):
    class Kind(models.TextChoices):
        SITE = "site", _("Site")
        RECEIPT = "receipt", _("Receipt")

    application = models.ForeignKey(
        EmptyingApplication,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("emptying application"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # Private storage: a photo (a receipt, someone's house) is handed out only
    # by the role-checked photo view, never by a /media/ URL.
    image = models.FileField(
        _("photo"), storage=private_storage, upload_to=emptying_photo_path, max_length=255
    )
    uploaded_by_id = models.PositiveIntegerField(_("uploaded by user id"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("emptying photo")
        verbose_name_plural = _("emptying photos")

    def __str__(self) -> str:
        return f"{self.application_id}:{self.kind}"


class AssignmentHistory(models.Model):
    """Every schedule, reassignment and provider decline of a job."""

    class Action(models.TextChoices):
        SCHEDULE = "schedule", _("Scheduled")
        REASSIGN = "reassign", _("Reassigned")
        DECLINE = "decline", _("Declined by the provider")

    application = models.ForeignKey(
        EmptyingApplication,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("emptying application"),
    )
    provider = models.ForeignKey(
        ServiceProvider,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service provider"),
    )
    vehicle = models.ForeignKey(
        Vehicle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    by_id = models.PositiveIntegerField(_("by user id"), null=True, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("assignment history entry")
        verbose_name_plural = _("assignment history")

    def __str__(self) -> str:
        return f"{self.application_id}:{self.action}"


class FeeSlab(models.Model):
    """One row of this municipality's emptying fee table.

    A slab applies to a property type (blank: any), to low-income households
    or not (null: either), and to a volume band ``min <= volume < max``
    (max null: no upper limit).  The most specific matching slab wins; see
    ``backoffice.fsm.fees``."""

    property_type = models.CharField(
        _("property type"),
        max_length=16,
        blank=True,
        choices=PROPERTY_TYPES,
        help_text=_("Holding type or building use; blank applies to any."),
    )
    low_income = models.BooleanField(_("low-income"), null=True, blank=True)
    min_volume_m3 = models.DecimalField(
        _("from volume (m³)"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    max_volume_m3 = models.DecimalField(
        _("below volume (m³)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    base_amount = models.DecimalField(
        _("base fee (BDT)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    per_m3_amount = models.DecimalField(
        _("fee per m³ (BDT)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    per_extra_trip_amount = models.DecimalField(
        _("fee per extra trip (BDT)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["property_type", "low_income", "min_volume_m3"]
        verbose_name = _("fee slab")
        verbose_name_plural = _("fee slabs")

    def __str__(self) -> str:
        return f"{self.property_type or '*'}/{self.low_income}/{self.min_volume_m3}"

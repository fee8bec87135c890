"""The One-ID registry.  BIN and holding code are the keys every module
links to: unique per municipality (schema), never reused."""

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from backoffice.registry import choices
from backoffice.registry.codes import validate_bd_phone, validate_holding_code, validate_nid

BIN_SEQUENCE = "registry_bin_seq"


class RegistryConfig(models.Model):
    """Per-municipality key formats (one row)."""

    bin_prefix = models.CharField(_("BIN prefix"), max_length=10, default="B")
    bin_digits = models.PositiveSmallIntegerField(
        _("BIN digits"), default=7, validators=[MinValueValidator(4), MaxValueValidator(12)]
    )

    class Meta:
        verbose_name = _("registry settings")

    def __str__(self) -> str:
        return f"{self.bin_prefix}{'0' * self.bin_digits}"


class Ward(models.Model):
    number = models.PositiveSmallIntegerField(_("ward number"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_bn = models.CharField(_("name (Bangla)"), max_length=100)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        ordering = ["number"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")

    def __str__(self) -> str:
        return f"{self.number:02d} {self.name_en}"


class Boundary(models.Model):
    """The municipality's outline: the union of its wards, a database view
    (so importing or editing wards is all it takes to change it)."""

    outline = models.MultiPolygonField(_("outline"), srid=4326)
    ward_count = models.IntegerField(_("wards"))

    class Meta:
        managed = False
        db_table = "registry_boundary"
        verbose_name = _("municipal boundary")
        verbose_name_plural = _("municipal boundaries")


class Road(models.Model):
    code = models.CharField(_("road code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    name_bn = models.CharField(_("name (Bangla)"), max_length=150, blank=True)
    road_class = models.CharField(_("class"), max_length=12, choices=choices.RoadClass.choices)
    width_m = models.DecimalField(_("width (m)"), max_digits=5, decimal_places=2, null=True)
    line = models.MultiLineStringField(_("line"), srid=4326)

    class Meta:
        ordering = ["code"]
        verbose_name = _("road")
        verbose_name_plural = _("roads")

    def __str__(self) -> str:
        return self.name_en or self.code


class Waterbody(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    name_bn = models.CharField(_("name (Bangla)"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=choices.WaterbodyKind.choices)
    area = models.MultiPolygonField(_("area"), srid=4326)

    class Meta:
        verbose_name = _("waterbody")
        verbose_name_plural = _("waterbodies")

    def __str__(self) -> str:
        return self.name_en or self.get_kind_display()


class Drain(models.Model):
    code = models.CharField(_("drain code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=choices.DrainKind.choices)
    road = models.ForeignKey(Road, null=True, blank=True, on_delete=models.SET_NULL)
    line = models.MultiLineStringField(_("line"), srid=4326)

    class Meta:
        verbose_name = _("drain")
        verbose_name_plural = _("drains")

    def __str__(self) -> str:
        return self.code


class Building(models.Model):
    bin = models.CharField(_("BIN"), max_length=24, unique=True, editable=False)
    footprint = models.MultiPolygonField(_("footprint"), srid=4326)
    # (ward, bin) below serves every lookup by ward: no index of its own.
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, verbose_name=_("ward"), db_index=False)
    # No index: nothing looks buildings up by road (lists and exports join
    # the road by its own key); one index less on every write and 0.05 s
    # less in a Khulna-scale import.  A road's deletion scans the buildings.
    road = models.ForeignKey(
        Road,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("road"),
        db_index=False,
    )
    house_number = models.CharField(_("house number"), max_length=30, blank=True)
    floors = models.PositiveSmallIntegerField(
        _("floors"), default=1, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    structure_type = models.CharField(
        _("structure type"), max_length=12, choices=choices.StructureType.choices
    )
    use = models.CharField(_("use"), max_length=14, choices=choices.BuildingUse.choices)
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    construction_year = models.PositiveSmallIntegerField(
        _("construction year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    water_source = models.CharField(
        _("water source"), max_length=14, choices=choices.WaterSource.choices, blank=True
    )
    sanitation_system = models.CharField(
        _("sanitation system"),
        max_length=12,
        choices=choices.SanitationSystem.choices,
        blank=True,
    )
    low_income = models.BooleanField(_("low-income community"), default=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.BuildingStatus.choices,
        default=choices.BuildingStatus.ACTIVE,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The import that created the building (its history reads the import's
    # one record).  No foreign key: the importer depends on the registry.
    import_job = models.BigIntegerField(_("import job"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["bin"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        # Use and structure have a handful of values each: a list filtered
        # by one walks the BIN order and skips (worst case, no match at
        # 156,000 buildings: about 30 ms), so they have no index to keep up
        # on every write and to rebuild after each bulk import.
        indexes = [
            models.Index(fields=["ward", "bin"]),
            # Map tiles below full detail leave small footprints out
            # (maps.tiles.THIN_AREAS_M2: ST_Area(footprint) >= a threshold):
            # with this index a z13 tile at Khulna scale reads its ~2,000
            # large buildings instead of the 61,000 in its box.
            models.Index(
                models.Func(
                    models.F("footprint"), function="ST_Area", output_field=models.FloatField()
                ),
                name="registry_building_area_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(population__gte=0) & models.Q(households__gte=0),
                name="building_counts_non_negative",
            )
        ]

    def __str__(self) -> str:
        return self.bin


class Owner(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=150)
    name_bn = models.CharField(_("name (Bangla)"), max_length=150, blank=True)
    gender = models.CharField(
        _("gender"), max_length=8, choices=choices.Gender.choices, default="unknown"
    )
    nid = models.CharField(_("national ID"), max_length=17, blank=True, validators=[validate_nid])
    phone = models.CharField(_("phone"), max_length=14, blank=True, validators=[validate_bd_phone])
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("owner")
        verbose_name_plural = _("owners")

    def __str__(self) -> str:
        return self.name_en


class Holding(models.Model):
    code = models.CharField(
        _("holding code"), max_length=14, unique=True, validators=[validate_holding_code]
    )
    # (ward, code) below serves every lookup by ward.
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, verbose_name=_("ward"), db_index=False)
    holding_type = models.CharField(
        _("holding type"), max_length=12, choices=choices.HoldingType.choices
    )
    annual_value = models.DecimalField(
        _("annual value (BDT)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=choices.HoldingStatus.choices,
        default=choices.HoldingStatus.ACTIVE,
    )
    buildings = models.ManyToManyField(
        Building, through="BuildingHolding", related_name="holdings", verbose_name=_("buildings")
    )
    owners = models.ManyToManyField(
        Owner, through="HoldingOwner", related_name="holdings", verbose_name=_("owners")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        indexes = [models.Index(fields=["ward", "code"])]

    def __str__(self) -> str:
        return self.code


class BuildingHolding(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE)
    holding = models.ForeignKey(Holding, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["building", "holding"], name="building_holding_once")
        ]


class HoldingOwner(models.Model):
    holding = models.ForeignKey(Holding, on_delete=models.CASCADE)
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2, default=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holding", "owner"], name="holding_owner_once")
        ]


class HoldingEvent(models.Model):
    """A merge or a split: the retired and the resulting holding codes."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")

    kind = models.CharField(max_length=5, choices=Kind.choices)
    sources = models.JSONField(default=list)
    results = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]


class ChangeRecord(models.Model):
    """History of buildings, holdings and owners: who, when, what changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        # One record for every building a bulk import created (object_id is the job).
        IMPORT = "import", _("Imported")

    model = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=6, choices=Action.choices)
    changes = models.JSONField(default=dict)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id", "-at"])]

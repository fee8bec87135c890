import re

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants.modules import MODULES

RESERVED_CODES = frozenset({"public", "imis_template", "information_schema", "www", "admin"})
CODE_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9]{1,29}$",
    _("Use 2 to 30 lower-case letters or digits, starting with a letter."),
)


def validate_code(value: str) -> None:
    if value in RESERVED_CODES or value.startswith("pg_"):
        raise ValidationError(_("“%(code)s” is reserved."), params={"code": value})


def validate_modules(value: list[str]) -> None:
    unknown = sorted(set(value) - set(MODULES))
    if unknown:
        raise ValidationError(
            _("Unknown module(s): %(names)s."), params={"names": ", ".join(unknown)}
        )


class Municipality(TenantMixin):
    """One tenant: a city corporation, paurashava or water utility, with its
    own schema.  Two internal rows share the table: the platform (public
    schema) and the template schema new municipalities are cloned from."""

    class Kind(models.TextChoices):
        CITY_CORPORATION = "city_corporation", _("City corporation")
        PAURASHAVA = "paurashava", _("Paurashava")
        WATER_UTILITY = "water_utility", _("Water utility")
        PLATFORM = "platform", _("Platform (internal)")

    code = models.CharField(
        _("code"), max_length=30, unique=True, validators=[CODE_VALIDATOR, validate_code]
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_bn = models.CharField(_("name (Bangla)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Dhaka")
    modules = ArrayField(
        models.CharField(max_length=32),
        default=list,
        blank=True,
        validators=[validate_modules],
        verbose_name=_("enabled modules"),
    )
    ready = models.BooleanField(_("ready"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    # Schemas are created by tenants.services.municipality_provision, never on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["code"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"

    def has_module(self, slug: str) -> bool:
        return slug in self.modules

    @property
    def initials(self) -> str:
        words = [w for w in re.split(r"\s+", self.name_en) if w[:1].isalpha()]
        return "".join(w[0] for w in words[:3]).upper() or self.code[:2].upper()


class Domain(DomainMixin):
    """A host name answering for a municipality (or the console)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class JobRun(models.Model):
    """One run of a background job, for the operators' console.  Lives in the
    public schema; tasks in any tenant write here through the search path."""

    class Status(models.TextChoices):
        STARTED = "started", _("Started")
        SUCCESS = "success", _("Succeeded")
        FAILURE = "failure", _("Failed")

    schema_name = models.CharField(max_length=63, db_index=True)
    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["schema_name", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.task_name}@{self.schema_name} {self.status}"

"""An import of a file into the registry: one row per upload, updated by
the background task as it stages, checks and writes the file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.storage import private_storage


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        BUILDINGS = "buildings", _("Buildings")
        ROADS = "roads", _("Roads")
        WARDS = "wards", _("Wards")
        HOLDINGS = "holdings", _("Holdings")
        DRAINS = "drains", _("Drains")
        WATERBODIES = "waterbodies", _("Waterbodies")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected: nothing imported")
        FAILED = "failed", _("Failed: nothing imported")

    FINISHED = (Status.DONE, Status.REJECTED, Status.FAILED)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source = models.FileField(
        _("file"), storage=private_storage, upload_to="registry-imports/%Y/%m/", max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    source_srid = models.PositiveIntegerField(
        _("coordinate system (EPSG)"),
        null=True,
        blank=True,
        help_text=_("Only for files that do not state it (CSV, Excel, a Shapefile without .prj)."),
    )
    accept_valid_rows = models.BooleanField(
        _("import the valid rows even if some are rejected"), default=False
    )
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    driver = models.CharField(_("format"), max_length=40, blank=True)
    total_rows = models.PositiveIntegerField(_("rows read"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rejected rows"), default=0)
    repaired_rows = models.PositiveIntegerField(_("repaired geometries"), default=0)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    report = models.FileField(
        _("report of rejected rows"),
        storage=private_storage,
        upload_to="registry-import-reports/%Y/%m/",
        max_length=300,
        blank=True,
    )
    error = models.TextField(_("error"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

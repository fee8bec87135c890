"""Per-user API tokens (OGC API - Features and tiles for QGIS and scripts)
and background map exports.

Each municipality's schema has its own tables and its own users, so a token
or an export job from another municipality finds nothing here.  Only a
token's hash is stored; the token itself is shown once, when it is made."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="maps_one_active_token_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ExportJob(models.Model):
    """A big export running in the background (a layer or a tool result):
    who asked, what (the selection's request parameters), the format, its
    state and progress, and the file in private storage.  It lives in the
    municipality's schema, so a restart or a cache flush loses nothing and
    another municipality cannot name it."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("map export state", "queued")
        RUNNING = "running", pgettext_lazy("map export state", "running")
        DONE = "done", pgettext_lazy("map export state", "done")
        FAILED = "failed", pgettext_lazy("map export state", "failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_export_jobs"
    )
    layer = models.CharField(_("layer"), max_length=64)
    tool = models.CharField(_("tool"), max_length=16, blank=True)  # buffer, area, or "" (layer)
    params = models.JSONField(default=dict)  # the selection's request parameters
    format = models.CharField(_("format"), max_length=8)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(default=0)
    state = models.CharField(_("state"), max_length=8, choices=State, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.CharField(max_length=255, blank=True)  # name in the schema's export folder
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("map export")
        verbose_name_plural = _("map exports")
        indexes = [models.Index(fields=["user", "-created_at"], name="maps_export_user_idx")]

    def __str__(self) -> str:
        return f"{self.layer} ({self.format}, {self.state})"

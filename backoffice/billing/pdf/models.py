"""The revenue chief's signing identity per municipality and the ward print
batches.  Bills themselves are the billing app's (immutable once issued)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.registry.importing.storage import private_storage


class SigningIdentity(models.Model):
    """A certificate and its private key.  The key is stored encrypted
    (PKCS#8, a passphrase derived from SECRET_KEY and the schema: see
    docs/adr/0007-bill-signing.md); the certificate and its chain are public."""

    class Source(models.TextChoices):
        DEMO = "demo", _("Demo (generated at provisioning)")
        INSTALLED = "installed", _("Installed by an operator")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    subject = models.CharField(_("subject"), max_length=300)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    # Issuer certificates up to the root a validator must trust (PEM, may be empty).
    chain_pem = models.TextField(_("certificate chain (PEM)"), blank=True)
    key_encrypted_pem = models.TextField(editable=False)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signing identity")
        verbose_name_plural = _("signing identities")
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="billing_pdf_one_active"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class PrintBatch(models.Model):
    """One ward's bills of one run as a single signed multi-page PDF.

    A holding-tax batch names its ``run``; another kind of bill's batch (a
    water bill run's: billing never imports water) names its ``kind`` (a
    registered ``documents.BillKind``) and that kind's run id, ``run_ref``."""

    HOLDING_TAX = "holding_tax"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind of bill"), max_length=20, default=HOLDING_TAX)
    run = models.ForeignKey(
        "billing.BillRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bill run"),
    )
    run_ref = models.PositiveIntegerField(_("run of another kind of bill"), null=True, blank=True)
    ward = models.ForeignKey(
        "registry.Ward", on_delete=models.PROTECT, related_name="+", verbose_name=_("ward")
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="queued")
    bills_total = models.PositiveIntegerField(_("bills"), default=0)
    bills_done = models.PositiveIntegerField(_("bills rendered"), default=0)
    file = models.FileField(_("PDF"), storage=private_storage, max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        constraints = [
            models.UniqueConstraint(fields=["run", "ward"], name="billing_pdf_batch_per_ward"),
            models.UniqueConstraint(
                fields=["kind", "run_ref", "ward"],
                condition=models.Q(run_ref__isnull=False),
                name="billing_pdf_batch_per_kind_ward",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="holding_tax", run__isnull=False, run_ref__isnull=True)
                    | (
                        ~models.Q(kind="holding_tax")
                        & models.Q(run__isnull=True, run_ref__isnull=False)
                    )
                ),
                name="billing_pdf_batch_run_of_its_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.run_id or self.run_ref}/{self.ward_id}"

    @property
    def progress(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.bills_total:
            return 0
        return min(99, self.bills_done * 100 // self.bills_total)

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

"""Payments against bills: a holding-tax bill (billing.Bill), a water bill
(water.WaterBill) or a new water connection's fee (water.ConnectionApplication);
exactly one of the three on every row (a check constraint), read through
``document`` (see documents.py).

A ``PaymentTransaction`` is one attempt to pay a bill through a gateway; its
state only moves forward (initiated -> pending -> paid | failed | cancelled;
paid is final).  A ``Payment`` is the credit applied to a bill, from a paid
transaction (at most one per transaction, enforced by a unique constraint)
or taken at the counter (partial amounts allowed).  Every payment has a
receipt number, consecutive per municipality (schema) and year.  A receipt
is never edited: cancelling it writes a ``ReceiptCancellation`` document
(revenue chief only) and marks the payment cancelled."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.billing.models import Bill
from backoffice.water.models import ConnectionApplication, WaterBill

CURRENCY = "BDT"
# A payment or transaction is for one holding-tax bill, one water bill or one
# new-connection application's fee.
ONE_DOCUMENT = (
    models.Q(bill__isnull=False, water_bill__isnull=True, application__isnull=True)
    | models.Q(bill__isnull=True, water_bill__isnull=False, application__isnull=True)
    | models.Q(bill__isnull=True, water_bill__isnull=True, application__isnull=False)
)


class _ForOneDocument(models.Model):
    """The document paid: exactly one of the three (ONE_DOCUMENT, a check
    constraint each model names)."""

    bill = models.ForeignKey(
        Bill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bill"),
    )
    water_bill = models.ForeignKey(
        WaterBill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("water bill"),
    )
    application = models.ForeignKey(
        ConnectionApplication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("connection application"),
    )

    class Meta:
        abstract = True

    @property
    def document(self):
        """The document paid: a billing.Bill, a water.WaterBill or a
        water.ConnectionApplication (its connection fee)."""
        if self.bill_id is not None:
            return self.bill
        if self.water_bill_id is not None:
            return self.water_bill
        return self.application

    @property
    def document_number(self) -> str:
        """What staff call the document: a bill's number or an application's
        reference."""
        if self.application_id is not None:
            return self.application.reference
        return self.document.number


class Gateway(models.TextChoices):
    SSLCOMMERZ = "sslcommerz", "SSLCommerz"
    EKPAY = "ekpay", "ekPay"


class GatewayAccount(models.Model):
    """A municipality's own merchant account with a gateway; without a row
    the environment defaults (portal/settings/payments.py) apply."""

    gateway = models.CharField(_("gateway"), max_length=12, choices=Gateway.choices, unique=True)
    base_url = models.URLField(_("gateway URL"))
    store_id = models.CharField(_("store / merchant id"), max_length=100)
    store_password = models.CharField(_("store password / key"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("gateway account")
        verbose_name_plural = _("gateway accounts")

    def __str__(self) -> str:
        return self.get_gateway_display()


class PaymentTransaction(_ForOneDocument):
    class State(models.TextChoices):
        INITIATED = "initiated", _("Initiated")
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    gateway = models.CharField(_("gateway"), max_length=12, choices=Gateway.choices)
    tran_id = models.CharField(_("transaction id"), max_length=40, unique=True)
    gateway_tran_id = models.CharField(
        _("gateway transaction id"), max_length=100, null=True, blank=True
    )
    amount = models.DecimalField(
        _("amount (BDT)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0.01)],
    )
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.INITIATED
    )
    # SSLCommerz risk_level: 0 safe, 1 risky (held for review, not credited).
    risk_level = models.PositiveSmallIntegerField(_("risk level"), null=True, blank=True)
    held_for_review = models.BooleanField(_("held for review"), default=False)
    session_key = models.CharField(max_length=200, blank=True, default="")
    # The last answer of the gateway's validation / status API, as received.
    validation_response = models.JSONField(_("validation response"), default=dict, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_tran_id"], name="payments_gateway_tran_once"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_tran_amount"),
            models.CheckConstraint(condition=ONE_DOCUMENT, name="payments_tran_one_document"),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return self.tran_id


class Payment(_ForOneDocument):
    class Method(models.TextChoices):
        ONLINE = "online", _("Online")
        COUNTER = "counter", _("Counter")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")

    transaction = models.OneToOneField(
        PaymentTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name=_("transaction"),
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    amount = models.DecimalField(_("amount (BDT)"), max_digits=14, decimal_places=2)
    receipt_year = models.PositiveSmallIntegerField(_("receipt year"))
    receipt_seq = models.PositiveIntegerField(_("receipt sequence"))
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"))
    payer_name = models.CharField(_("paid by"), max_length=120, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.VALID
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_year", "receipt_seq"], name="payments_receipt_seq_once"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_amount_gt_0"),
            models.CheckConstraint(condition=ONE_DOCUMENT, name="payments_one_document"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class ReceiptSequence(models.Model):
    """The last number of a year per document kind (R receipts, RC receipt
    cancellations), locked while a number is taken."""

    kind = models.CharField(max_length=2, default="R")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="payments_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}-{self.year}: {self.last_number}"


class ReceiptCancellation(models.Model):
    """The document that cancels a receipt (the receipt itself never changes
    except its status)."""

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="cancellation", verbose_name=_("receipt")
    )
    number = models.CharField(_("number"), max_length=24, unique=True)
    reason = models.CharField(_("reason"), max_length=300)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"))

    class Meta:
        verbose_name = _("receipt cancellation")
        verbose_name_plural = _("receipt cancellations")

    def __str__(self) -> str:
        return self.number

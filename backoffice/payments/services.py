"""Writes for payments.

Online: ``transaction_initiate`` creates our transaction and opens the
gateway session; redirects and IPNs only ever lead to
``transaction_settle``, which asks the gateway's server-side API and then
records under a row lock (SELECT ... FOR UPDATE on the transaction), so a
repeated or concurrent notification credits the bill exactly once (the
unique transaction on Payment is the last guard).  States only move forward.

Counter: ``counter_payment_record`` (revenue collector; partial amounts).
Receipts: numbered per municipality and year without gaps;
``receipt_cancel`` (revenue chief only) writes a cancellation document.

A new water connection's fee (water.ConnectionApplication) is paid the same
way; when valid receipts reach the fee, the application moves to fee paid in
the transaction that records the payment, and a cancelled receipt moves it
back (refused once the connection is made)."""

import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.payments.adapters import GatewayError, adapter_get
from backoffice.payments.adapters.base import Verdict
from backoffice.payments.documents import (
    Document,
    document_check_payable,
    document_field,
    document_lock,
    document_outstanding,
    document_view,
    document_ward_lock,
)
from backoffice.payments.models import (
    CURRENCY,
    Payment,
    PaymentTransaction,
    ReceiptCancellation,
    ReceiptSequence,
)
from backoffice.payments.selectors import bill_paid_amount
from backoffice.water import applications as water_applications
from backoffice.water.models import ConnectionApplication
from tenants.audit.services import audit_event_record
from tenants.permissions import user_has_role

logger = logging.getLogger(__name__)

COUNTER_ROLES = ("revenue_collector", "revenue_chief")
CANCEL_ROLES = ("revenue_chief",)
State = PaymentTransaction.State
FINAL = {State.PAID, State.FAILED, State.CANCELLED}
# Forward-only: what each state may become.
TRANSITIONS = {
    State.INITIATED: {State.PENDING, State.PAID, State.FAILED, State.CANCELLED},
    State.PENDING: {State.PAID, State.FAILED, State.CANCELLED},
    State.PAID: set(),
    State.FAILED: set(),
    State.CANCELLED: set(),
}


def transition_allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS[State(current)]


def _payable(bill: Document) -> None:
    document_check_payable(bill)


def _number_take(now, kind: str = "R") -> tuple[int, int, str]:
    """The next number of the municipality's current year for receipts ("R")
    or receipt cancellations ("RC"), under a row lock: no gaps, no doubles."""
    year = timezone.localtime(now).year
    ReceiptSequence.objects.get_or_create(kind=kind, year=year)
    sequence = ReceiptSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return year, sequence.last_number, f"{kind}-{year}-{sequence.last_number:06d}"


def _payment_create(
    *, bill: Document, amount: Decimal, method: str, actor=None, tran=None, payer_name=""
):
    # Received after any issue of the bill's ward in flight has committed,
    # so a newer bill either saw this payment or counts it as late.
    document_ward_lock(bill)
    now = timezone.now()
    year, seq, number = _number_take(now)
    payment = Payment(
        **{document_field(bill): bill},
        transaction=tran,
        method=method,
        amount=amount,
        receipt_year=year,
        receipt_seq=seq,
        receipt_number=number,
        received_by=actor,
        received_at=now,
        payer_name=payer_name,
    )
    payment.full_clean(validate_constraints=False)
    payment.save()
    return payment


# --- online -----------------------------------------------------------------


@transaction.atomic
def transaction_initiate(
    *, bill: Document, gateway: str, urls_for, info: dict | None = None
) -> PaymentTransaction:
    """Open a gateway session for the bill's outstanding amount.  ``urls_for``
    maps our tran_id to the CallbackUrls (absolute, on the municipality's
    host).  The row is committed as initiated even if the gateway refuses
    (then it is failed), so every attempt leaves a trace."""
    bill = document_lock(bill)
    _payable(bill)
    number = document_view(bill).number
    amount = document_outstanding(bill)
    if amount <= 0:
        raise ValidationError(_("This bill has nothing left to pay."))
    tran = PaymentTransaction(
        **{document_field(bill): bill},
        gateway=gateway,
        tran_id=f"IMIS{timezone.now():%y%m%d}{secrets.token_hex(8).upper()}",
        amount=amount,
        currency=CURRENCY,
    )
    tran.full_clean()
    tran.save()
    audit_event_record(
        actor=None,
        action="payments.transaction_initiated",
        obj=tran,
        data={"bill": number, "gateway": gateway, "amount": str(amount)},
    )
    details = {"bill": number, "holding": document_view(bill).reference, **(info or {})}
    try:
        start = adapter_get(gateway).session_start(
            tran_id=tran.tran_id,
            amount=amount,
            currency=CURRENCY,
            urls=urls_for(tran.tran_id),
            info=details,
        )
    except GatewayError as exc:
        _state_set(tran, State.FAILED, reason=str(exc)[:200])
        return tran
    tran.session_key = start.session_key[:200]
    tran.save(update_fields=["session_key", "updated_at"])
    _state_set(tran, State.PENDING)
    tran.redirect_url = start.redirect_url
    return tran


def _state_set(tran: PaymentTransaction, new: str, *, reason: str = "", **fields) -> bool:
    if tran.state == new:
        return False
    if not transition_allowed(tran.state, new):
        logger.warning("refused %s -> %s for %s", tran.state, new, tran.tran_id)
        return False
    old, tran.state = tran.state, new
    for name, value in fields.items():
        setattr(tran, name, value)
    if reason:
        tran.failure_reason = reason
    tran.save()
    audit_event_record(
        actor=None,
        action=f"payments.transaction_{new}",
        obj=tran,
        data={"from": old, "reason": reason} if reason else {"from": old},
    )
    return True


@dataclass(frozen=True)
class Settlement:
    transaction: PaymentTransaction
    payment: Payment | None
    outcome: str  # paid, already_paid, failed, cancelled, pending, held, rejected


def transaction_settle(*, tran_id: str, params: dict | None = None, source: str) -> Settlement:
    """Ask the gateway about ``tran_id`` (validating the val_id the redirect
    or IPN carried, or querying by our id) and record the answer.  Safe to
    call any number of times, concurrently: one Payment per paid transaction."""
    tran = PaymentTransaction.objects.filter(tran_id=tran_id).first()
    if tran is None:
        raise PaymentTransaction.DoesNotExist(tran_id)
    if tran.state == State.PAID:
        return Settlement(tran, getattr(tran, "payment", None), "already_paid")
    adapter = adapter_get(tran.gateway)
    # The gateway is asked outside the row lock: a slow gateway never holds it.
    verdict = adapter.verify(tran_id=tran_id, params=params or {})
    return _settle_record(tran_pk=tran.pk, verdict=verdict, source=source)


def transaction_reconcile(*, tran_id: str) -> Settlement:
    tran = PaymentTransaction.objects.get(tran_id=tran_id)
    verdict = adapter_get(tran.gateway).query(tran_id=tran_id)
    return _settle_record(tran_pk=tran.pk, verdict=verdict, source="reconciliation")


def verdict_problem(tran: PaymentTransaction, verdict: Verdict) -> str:
    """Why a 'paid' answer is not a payment of this transaction ('' if it is)."""
    if verdict.tran_id != tran.tran_id:
        return "tran_id mismatch"
    if verdict.amount != tran.amount:
        return f"amount mismatch ({verdict.amount} != {tran.amount})"
    if verdict.currency.upper() != tran.currency:
        return f"currency mismatch ({verdict.currency})"
    return ""


@transaction.atomic
def _settle_record(*, tran_pk: int, verdict: Verdict, source: str) -> Settlement:
    tran = PaymentTransaction.objects.select_for_update().get(pk=tran_pk)
    if tran.state == State.PAID:  # a concurrent notification got here first
        return Settlement(tran, Payment.objects.filter(transaction=tran).first(), "already_paid")
    if tran.state in FINAL:  # failed or cancelled: never moves back
        if verdict.status == "paid":
            audit_event_record(
                actor=None,
                action="payments.paid_after_final",
                obj=tran,
                data={"state": tran.state, "source": source, "answer": verdict.raw},
            )
        return Settlement(tran, None, tran.state)
    tran.validation_response = verdict.raw
    tran.validated_at = timezone.now()
    tran.save(update_fields=["validation_response", "validated_at", "updated_at"])
    if verdict.status in ("failed", "cancelled"):
        _state_set(tran, State.FAILED if verdict.status == "failed" else State.CANCELLED)
        return Settlement(tran, None, verdict.status)
    if verdict.status != "paid":  # pending, or the gateway does not confirm it
        return Settlement(tran, None, "pending")
    problem = verdict_problem(tran, verdict)
    if problem:
        audit_event_record(
            actor=None,
            action="payments.validation_rejected",
            obj=tran,
            data={"problem": problem, "source": source},
        )
        tran.failure_reason = problem[:200]
        tran.save(update_fields=["failure_reason", "updated_at"])
        return Settlement(tran, None, "rejected")
    tran.risk_level = verdict.risk_level
    if verdict.risk_level not in (0, None):
        tran.held_for_review = True
        tran.gateway_tran_id = verdict.gateway_tran_id or None
        tran.save(update_fields=["risk_level", "held_for_review", "gateway_tran_id", "updated_at"])
        _state_set(tran, State.PENDING)
        audit_event_record(actor=None, action="payments.held_for_review", obj=tran)
        return Settlement(tran, None, "held")
    _application_lock(tran)
    _state_set(
        tran,
        State.PAID,
        gateway_tran_id=verdict.gateway_tran_id or None,
        paid_at=timezone.now(),
        held_for_review=False,
    )
    payment = _payment_create(
        bill=tran.document, amount=tran.amount, method=Payment.Method.ONLINE, tran=tran
    )
    audit_event_record(
        actor=None,
        action="payments.payment_recorded",
        obj=payment,
        data={"tran_id": tran.tran_id, "source": source, "amount": str(payment.amount)},
    )
    # The gateway took the amount asked at the start; if the counter was paid
    # meanwhile, the bill is overpaid: recorded all the same, flagged for a refund.
    document = document_view(tran.document)
    over = bill_paid_amount(tran.document) - document.total
    if over > 0:
        audit_event_record(
            actor=None,
            action="payments.overpaid",
            obj=payment,
            data={"bill": document.number, "over": str(over)},
        )
    _application_after_payment(actor=None, payment=payment)
    return Settlement(tran, payment, "paid")


def _application_lock(tran: PaymentTransaction) -> None:
    """Lock an application paid by ``tran`` before the receipt number, as the
    counter does (application, then the sequence): no deadlock between a
    counter payment and an online one on the same application."""
    if tran.application_id is not None:
        ConnectionApplication.objects.select_for_update().filter(pk=tran.application_id).first()


def _application_after_payment(*, actor, payment: Payment) -> None:
    """An application whose valid receipts now reach its fee moves to fee
    paid, with the receipt that completed it (same transaction)."""
    if payment.application_id is None:
        return
    app = ConnectionApplication.objects.select_for_update().get(pk=payment.application_id)
    if app.state != ConnectionApplication.State.APPROVED:
        return  # rejected or already paid meanwhile: the receipt stands, flagged above
    if bill_paid_amount(app) >= app.fee:
        water_applications.application_fee_settled(
            actor=actor, application=app, receipt=payment.receipt_number
        )


@transaction.atomic
def transaction_review_release(*, actor, tran: PaymentTransaction) -> Settlement:
    """The revenue chief accepts a transaction the gateway flagged as risky."""
    if not user_has_role(actor, CANCEL_ROLES):
        raise PermissionDenied(_("Only the revenue chief releases a held payment."))
    tran = PaymentTransaction.objects.select_for_update().get(pk=tran.pk)
    if not tran.held_for_review or tran.state != State.PENDING:
        raise ValidationError(_("This transaction is not held for review."))
    tran.held_for_review = False
    _application_lock(tran)
    _state_set(tran, State.PAID, paid_at=timezone.now())
    payment = _payment_create(
        bill=tran.document, amount=tran.amount, method=Payment.Method.ONLINE, tran=tran
    )
    audit_event_record(actor=actor, action="payments.review_released", obj=payment)
    _application_after_payment(actor=actor, payment=payment)
    return Settlement(tran, payment, "paid")


def reconcile_pending(*, min_age_seconds: int) -> dict:
    """Ask the gateway about every transaction pending at least this long."""
    cutoff = timezone.now() - timezone.timedelta(seconds=min_age_seconds)
    pending = PaymentTransaction.objects.filter(
        state__in=[State.INITIATED, State.PENDING], held_for_review=False, created_at__lte=cutoff
    ).values_list("tran_id", flat=True)
    counts: dict[str, int] = {}
    for tran_id in list(pending):
        try:
            outcome = transaction_reconcile(tran_id=tran_id).outcome
        except GatewayError as exc:
            logger.warning("reconciliation of %s: %s", tran_id, exc)
            outcome = "unreachable"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- counter and receipts -----------------------------------------------------


@transaction.atomic
def counter_payment_record(
    *, actor, bill: Document, amount: Decimal, payer_name: str = ""
) -> Payment:
    """Cash or cheque at the counter; any amount up to what is outstanding."""
    if not user_has_role(actor, COUNTER_ROLES):
        raise PermissionDenied(_("Only revenue staff take counter payments."))
    document_ward_lock(bill)  # before the checks: a bill issued meanwhile is refused
    bill = document_lock(bill)
    _payable(bill)
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if amount > document_outstanding(bill):
        raise ValidationError(_("The amount is more than what is outstanding on this bill."))
    payment = _payment_create(
        bill=bill,
        amount=amount,
        method=Payment.Method.COUNTER,
        actor=actor,
        payer_name=payer_name,
    )
    audit_event_record(
        actor=actor,
        action="payments.counter_payment",
        obj=payment,
        data={"bill": document_view(bill).number, "amount": str(amount)},
    )
    _application_after_payment(actor=actor, payment=payment)
    return payment


@transaction.atomic
def receipt_cancel(*, actor, payment: Payment, reason: str) -> ReceiptCancellation:
    """Cancel a receipt with a new document; the receipt keeps its number and
    figures, only its status changes, and the bill is due again."""
    if not user_has_role(actor, CANCEL_ROLES):
        raise PermissionDenied(_("Only the revenue chief cancels a receipt."))
    if not (reason or "").strip():
        raise ValidationError(_("Give the reason for the cancellation."))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.VALID:
        raise ValidationError(_("This receipt is already cancelled."))
    app = None
    if payment.application_id is not None:
        app = ConnectionApplication.objects.select_for_update().get(pk=payment.application_id)
        if app.state == ConnectionApplication.State.CONNECTED:
            raise ValidationError(
                _(
                    "The connection of application %(reference)s is made; "
                    "its fee receipt cannot be cancelled."
                )
                % {"reference": app.reference}
            )
    now = timezone.now()
    number = _number_take(now, "RC")[2]
    cancellation = ReceiptCancellation(
        payment=payment,
        number=number,
        reason=reason.strip()[:300],
        cancelled_by=actor,
        cancelled_at=now,
    )
    cancellation.full_clean()
    cancellation.save()
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CANCELLED)
    audit_event_record(
        actor=actor,
        action="payments.receipt_cancelled",
        obj=payment,
        data={"cancellation": cancellation.number, "reason": cancellation.reason},
    )
    fee_paid = ConnectionApplication.State.FEE_PAID
    if app is not None and app.state == fee_paid and bill_paid_amount(app) < app.fee:
        water_applications.application_fee_reopened(
            actor=actor, application=app, receipt=payment.receipt_number
        )
    return cancellation

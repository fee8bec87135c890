"""New-connection applications taken at the office (no citizen account):
submitted -> approved or rejected -> fee paid -> connected.  The fee is
fixed at submission from the category and pipe size; connecting creates the
connection and, for a metered one, its meter.  Every step is audited; the
office decides and connects.  The fee is a payable document of the payments
module (at the counter or online, with receipts): payments' recording moves
an approved application to fee paid, in its own transaction, once valid
receipts reach the fee (``application_fee_settled``), and a receipt
cancellation before the connection moves it back
(``application_fee_reopened``).  Nobody types a receipt number."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.registry.codes import phone_normalise
from backoffice.water.models import ConnectionApplication as App
from backoffice.water.services import (
    _office_only,
    connection_create,
    connection_fee_for,
)
from tenants.audit.services import audit_event_record

S = App.State

# The allowed transitions: a pure table (tested without a database).
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {S.SUBMITTED: S.APPROVED},
    "reject": {S.SUBMITTED: S.REJECTED, S.APPROVED: S.REJECTED},
    "fee_paid": {S.APPROVED: S.FEE_PAID},
    "fee_reopen": {S.FEE_PAID: S.APPROVED},
    "connect": {S.FEE_PAID: S.CONNECTED},
}
# Moved by payments' recording, never by an office button.
PAYMENT_ACTIONS = ("fee_paid", "fee_reopen")


def next_state(action: str, state: str) -> str | None:
    return TRANSITIONS.get(action, {}).get(state)


def actions_for(state: str) -> list[str]:
    return [
        action
        for action, moves in TRANSITIONS.items()
        if state in moves and action not in PAYMENT_ACTIONS
    ]


def _reference_next() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('water_application_reference_seq')")
        return f"WA-{cursor.fetchone()[0]:06d}"


@transaction.atomic
def application_submit(
    *,
    actor,
    applicant_name: str,
    holding,
    category,
    size_mm: int,
    applicant_phone: str = "",
    building=None,
    metered: bool = True,
    note: str = "",
) -> App:
    _office_only(actor)
    if building is not None and not holding.buildings.filter(pk=building.pk).exists():
        raise ValidationError({"building": _("This building is not part of the holding.")})
    try:
        phone = phone_normalise(applicant_phone) if applicant_phone.strip() else ""
    except ValidationError as error:
        raise ValidationError({"applicant_phone": error.messages}) from error
    app = App(
        reference=_reference_next(),
        applicant_name=applicant_name.strip(),
        applicant_phone=phone,
        holding=holding,
        building=building,
        category=category,
        size_mm=size_mm,
        metered=metered,
        fee=connection_fee_for(category=category, size_mm=size_mm),
        note=note,
        submitted_by=actor,
    )
    app.full_clean()
    app.save()
    audit_event_record(
        actor=actor,
        action="water.application_submitted",
        obj=app,
        data={"holding": holding.code, "category": category.code, "size_mm": size_mm},
    )
    return app


def _move(
    actor, app: App, action: str, *, office: bool = True, extra: dict | None = None, **fields
) -> App:
    if office:
        _office_only(actor)
    app = App.objects.select_for_update().get(pk=app.pk)
    target = next_state(action, app.state)
    if target is None:
        raise ValidationError(
            _("An application that is %(state)s cannot be %(action)s.")
            % {"state": app.get_state_display().lower(), "action": ACTION_PAST[action]}
        )
    app.state = target
    for name, value in fields.items():
        setattr(app, name, value)
    if action in ("approve", "reject"):
        app.decided_at = timezone.now()
    app.full_clean()
    app.save()
    audit_event_record(
        actor=actor,
        action=f"water.application_{action}",
        obj=app,
        data={**{k: str(v) for k, v in fields.items()}, **(extra or {})},
    )
    return app


ACTION_PAST = {
    "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"),
    "fee_paid": gettext_lazy("marked paid"),
    "fee_reopen": gettext_lazy("reopened for payment"),
    "connect": gettext_lazy("connected"),
}


@transaction.atomic
def application_approve(*, actor, application: App) -> App:
    return _move(actor, application, "approve")


@transaction.atomic
def application_reject(*, actor, application: App, reason: str) -> App:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the application is rejected.")})
    from backoffice.payments.models import Payment  # payments builds on water: not at import

    if Payment.objects.filter(application=application, status=Payment.Status.VALID).exists():
        raise ValidationError(
            _("Fee payments were received for this application; cancel their receipts first.")
        )
    return _move(actor, application, "reject", note=reason.strip()[:300])


def application_fee_settled(*, actor, application: App, receipt: str) -> App:
    """Payments' recording, in its transaction (the application row locked):
    valid receipts now reach the fee.  ``receipt`` is the last one's number."""
    return _move(actor, application, "fee_paid", office=False, fee_receipt=receipt[:40])


def application_fee_reopened(*, actor, application: App, receipt: str) -> App:
    """Payments' receipt cancellation, in its transaction: the fee is no
    longer paid in full, the application is approved and payable again."""
    return _move(
        actor,
        application,
        "fee_reopen",
        office=False,
        extra={"cancelled_receipt": receipt},
        fee_receipt="",
    )


@transaction.atomic
def application_connect(
    *,
    actor,
    application: App,
    connected_on: datetime.date | None = None,
    meter_serial: str = "",
    initial_reading: Decimal = Decimal(0),
    location=None,
) -> App:
    """Connect: the connection (and its meter) and the application's new
    state commit together."""
    app = (
        App.objects.select_for_update(of=("self",))
        .select_related("holding", "building", "category")
        .get(pk=application.pk)
    )
    if next_state("connect", app.state) is None:
        return _move(actor, app, "connect")  # raises the message
    conn = connection_create(
        actor=actor,
        holding=app.holding,
        building=app.building,
        category=app.category,
        size_mm=app.size_mm,
        metered=app.metered,
        location=location,
        connected_on=connected_on,
        meter_serial=meter_serial,
        initial_reading=initial_reading,
    )
    return _move(actor, app, "connect", connection=conn)

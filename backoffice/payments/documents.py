"""What a payment pays: a holding-tax bill (billing.Bill), a water bill
(water.WaterBill) or the fee of a new water connection
(water.ConnectionApplication, payable once approved).  Payments talk to all
of them through these few functions, so the rules (idempotent recording,
receipts, reconciliation) are written once.

Numbers do not collide: holding-tax bills are numbered ``YYYY-Qn-NNNNNN``,
water bills ``WYYYYMM-N...`` and applications ``WA-NNNNNN``; each is unique
in its own table.  An application has no period, due date, rebate or
arrears: what it owes is its fee less its valid receipts."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.billing.models import Bill
from backoffice.registry.codes import BANGLA_DIGITS
from backoffice.registry.locks import ward_lock
from backoffice.water.models import ConnectionApplication, WaterBill

Document = Bill | WaterBill | ConnectionApplication
ZERO = Decimal("0.00")


def document_field(document: Document) -> str:
    """The Payment / PaymentTransaction field that names ``document``."""
    if isinstance(document, ConnectionApplication):
        return "application"
    return "water_bill" if isinstance(document, WaterBill) else "bill"


def is_application(document) -> bool:
    return isinstance(document, ConnectionApplication)


def application_reference_normalise(text: str) -> str:
    """``WA-000123`` from what a person typed: Bangla digits, lower case,
    spaces; '' when it is not an application reference."""
    text = (text or "").strip().translate(BANGLA_DIGITS).upper().replace(" ", "")
    if text.startswith("WA") and not text.startswith("WA-"):
        text = "WA-" + text[2:]
    digits = text[3:]
    if not text.startswith("WA-") or not digits.isdigit() or len(digits) > 12:
        return ""
    return f"WA-{int(digits):06d}"


def document_filter(document: Document) -> dict:
    return {document_field(document): document}


def document_by_number(number: str) -> Document | None:
    number = (number or "").strip()
    if not number:
        return None
    reference = application_reference_normalise(number)
    if reference:
        return (
            ConnectionApplication.objects.select_related("holding")
            .filter(reference=reference)
            .first()
        )
    bill = Bill.objects.select_related("holding", "run__period").filter(number=number).first()
    if bill is not None:
        return bill
    return (
        WaterBill.objects.select_related("connection__holding", "run__period")
        .filter(number=number)
        .first()
    )


def document_ward_lock(document: Document) -> None:
    """Hold the bill's ward's run lock (shared) for the caller's transaction:
    a payment is never recorded while a run issues that ward (see
    registry.locks).  A connection fee carries no arrears: no lock."""
    if isinstance(document, Bill):
        service, path = "billing", "holding__ward_id"
    elif isinstance(document, WaterBill):
        service, path = "water", "connection__holding__ward_id"
    else:
        return
    ward_id = type(document).objects.filter(pk=document.pk).values_list(path, flat=True).get()
    ward_lock(service=service, ward_id=ward_id, shared=True)


def document_lock(document: Document) -> Document:
    """The document's row, locked for the caller's transaction."""
    return type(document).objects.select_for_update().get(pk=document.pk)


def document_superseded_by(document: Document) -> Document | None:
    """The holding's (or connection's) newer issued bill, which carries what
    this one still owes as arrears; None when this is the latest (and for an
    application, which carries no arrears)."""
    if is_application(document):
        return None
    model = type(document)
    newer = model.objects.filter(status=model.Status.ISSUED).exclude(kind=model.Kind.CANCELLATION)
    if isinstance(document, WaterBill):
        period = document.run.period
        newer = newer.filter(connection_id=document.connection_id).filter(
            Q(run__period__year__gt=period.year)
            | Q(run__period__year=period.year, run__period__month__gt=period.month)
        )
        order = ("-run__period__year", "-run__period__month", "-id")
    else:
        period = document.run.period
        newer = newer.filter(holding_id=document.holding_id).filter(
            Q(run__period__year__gt=period.year)
            | Q(run__period__year=period.year, run__period__quarter__gt=period.quarter)
        )
        order = ("-run__period__year", "-run__period__quarter", "-id")
    return newer.order_by(*order).first()


def document_check_payable(document: Document) -> None:
    """Issued, not a cancellation, and the latest: a newer bill carries the
    older one's unpaid amount as arrears, so paying the older one as well
    would pay that amount twice.  An application's fee is payable once the
    application is approved, until it is paid."""
    if is_application(document):
        _application_check_payable(document)
        return
    cancellation = type(document).Kind.CANCELLATION
    if document.status != type(document).Status.ISSUED or document.kind == cancellation:
        raise ValidationError(_("Only an issued bill can be paid."))
    newer = document_superseded_by(document)
    if newer is not None:
        raise ValidationError(
            _("What this bill still owes is carried into bill %(number)s; pay that one.")
            % {"number": newer.number}
        )


def _application_check_payable(app: ConnectionApplication) -> None:
    state = ConnectionApplication.State
    if app.state == state.APPROVED:
        return
    if app.state == state.SUBMITTED:
        raise ValidationError(_("The application is not approved yet; its fee cannot be paid."))
    if app.state == state.REJECTED:
        raise ValidationError(_("The application was rejected; its fee cannot be paid."))
    raise ValidationError(_("The connection fee of this application is already paid."))


def document_is_public(document: Document) -> bool:
    """Whether the public pay page may show ``document``: an issued bill
    (not a cancellation), or an application that was approved (paid or
    not; submitted and rejected ones stay with the office)."""
    if is_application(document):
        return document.state != ConnectionApplication.State.SUBMITTED
    return document.kind != type(document).Kind.CANCELLATION


def _owner_and_period(document: Document) -> tuple[dict, str]:
    """The filter on the document's holding (connection) and the name of its
    period's part after the year (quarter or month)."""
    if isinstance(document, WaterBill):
        return {"connection_id": document.connection_id}, "month"
    return {"holding_id": document.holding_id}, "quarter"


def document_known_at(document: Document):
    """When the figures ``document`` carries were fixed: the issue of its
    holding's (connection's) first document in its period (a correction keeps
    the arrears of the bill it replaces, computed when that was issued)."""
    model = type(document)
    if document.kind == model.Kind.BILL:
        return document.issued_at
    owner, _part = _owner_and_period(document)
    return (
        model.objects.filter(run_id=document.run_id, **owner)
        .order_by("issued_at")
        .values_list("issued_at", flat=True)
        .first()
    )


def document_late_payments(document: Document) -> Q:
    """The Payment filter for what ``document``'s figures could not know of:
    valid payments (the caller filters the status) on its holding's
    (connection's) other documents of its period or earlier, or cancelled
    ones, received at or after ``document_known_at``.  Only the latest bill is
    payable, but an online payment started on an older bill while it was the
    latest can be confirmed after the newer bill was issued; it is credited to
    the older bill while the newer one's arrears still include it, so it
    counts as paid towards the newer one (and, through its arrears, the next
    bill).  The issue SQL of both kinds of run states the same rule.  An
    application has no other documents: nothing."""
    if is_application(document):
        return Q(pk__in=[])
    model = type(document)
    owner, part = _owner_and_period(document)
    period = document.run.period
    same_year = {
        "run__period__year": period.year,
        f"run__period__{part}__lte": getattr(period, part),
    }
    others = (
        model.objects.filter(**owner)
        .exclude(pk=document.pk)
        .filter(
            Q(run__period__year__lt=period.year) | Q(**same_year) | Q(status=model.Status.CANCELLED)
        )
        .values("pk")
    )
    return Q(
        **{f"{document_field(document)}__in": others},
        received_at__gte=document_known_at(document),
    )


def document_rebate(document: Document) -> Decimal:
    """The early-payment rebate (holding tax only)."""
    if is_application(document):
        return ZERO
    return getattr(document, "rebate", ZERO) or ZERO


@dataclass(frozen=True)
class DocumentView:
    """What pages, receipts and gateways show of a document."""

    number: str
    kind_label: str
    reference_label: str
    reference: str
    period: str
    total: Decimal
    rebate: Decimal
    due_on: object
    number_label: str = ""
    state: str = ""  # an application's state (bills: '')


KIND_LABELS = {
    "bill": gettext_lazy("Holding tax bill"),
    "water_bill": gettext_lazy("Water bill"),
    "application": gettext_lazy("New water connection fee"),
}
REFERENCE_LABELS = {
    "bill": gettext_lazy("Holding"),
    "water_bill": gettext_lazy("Connection"),
    "application": gettext_lazy("Holding"),
}
NUMBER_LABELS = {"bill": gettext_lazy("Bill number"), "application": gettext_lazy("Application")}


def document_view(document: Document) -> DocumentView:
    field = document_field(document)
    if field == "application":
        return DocumentView(
            number=document.reference,
            kind_label=str(KIND_LABELS[field]),
            reference_label=str(REFERENCE_LABELS[field]),
            reference=document.holding.code if document.holding_id else document.reference,
            period="",
            total=document.fee,
            rebate=ZERO,
            due_on=None,
            number_label=str(NUMBER_LABELS[field]),
            state=document.get_state_display(),
        )
    water = field == "water_bill"
    reference = document.connection.number if water else document.holding.code
    return DocumentView(
        number=document.number,
        kind_label=str(KIND_LABELS[field]),
        reference_label=str(REFERENCE_LABELS[field]),
        reference=reference,
        period=str(document.run.period),
        total=document.total,
        rebate=document_rebate(document),
        due_on=document.due_on,
        number_label=str(NUMBER_LABELS["bill"]),
    )


def document_paid(document: Document) -> Decimal:
    """What valid receipts credit to ``document``."""
    from backoffice.payments import selectors

    return selectors.bill_paid_amount(document)


def document_outstanding(document: Document) -> Decimal:
    """What is left to pay: a bill's (selectors.bill_outstanding), or an
    application's fee less its valid receipts (nothing unless approved)."""
    from backoffice.payments import selectors

    if not is_application(document):
        return selectors.bill_outstanding(document)
    if document.state != ConnectionApplication.State.APPROVED:
        return ZERO
    return max(document.fee - document_paid(document), ZERO)


def document_payments(document: Document) -> list:
    """The document's receipts (valid and cancelled), oldest first."""
    from backoffice.payments.models import Payment

    return list(
        Payment.objects.filter(**document_filter(document))
        .select_related("transaction", "cancellation")
        .order_by("received_at", "id")
    )


def water_bills_of_holding(code: str, *, limit: int = 12) -> list[WaterBill]:
    """The issued water bills of the holding's connections, newest first
    (what the citizen's look-up lists next to the holding-tax bills)."""
    return list(
        WaterBill.objects.select_related("connection", "run__period")
        .filter(
            connection__holding__code=code,
            status=WaterBill.Status.ISSUED,
            kind=WaterBill.Kind.BILL,
        )
        .order_by("-run__period__year", "-run__period__month", "-id")[:limit]
    )

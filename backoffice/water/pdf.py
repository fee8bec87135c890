"""Water bills as signed bilingual A4 PDFs, made with billing's PDF
machinery (backoffice/billing/pdf: letterhead, labels in both languages,
WeasyPrint, the revenue chief's PAdES signature, the cache of PDFs made on
demand), and the hook that puts water bills on billing's public
verification page (``/bills/verify/NUMBER/``) and bills API.

A water bill never changes once issued (a trigger refuses edits; a
cancellation is a new document) and its PDF shows no payment status, so the
signed file is cached for good, like a holding-tax bill's.  Bump
``TEMPLATE_VERSION`` when the template or this module changes."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.billing.pdf import rendering
from backoffice.billing.pdf import services as pdf_services
from backoffice.billing.pdf.documents import BatchHooks, BillKind, bill_kind_register
from backoffice.billing.pdf.qr import qr_data_uri, verification_url
from backoffice.registry.models import Building, HoldingOwner, Ward
from backoffice.water.models import Reading, WaterBill, WaterBillRun

TEMPLATE_VERSION = "w2"
TEMPLATE = "water/bill_pdf.html"
REASON = "Water bill issued by the municipality"

TITLES = {
    WaterBill.Kind.BILL: _("Water bill"),
    WaterBill.Kind.CANCELLATION: _("Cancellation of a water bill"),
}
LABELS = {
    **{
        key: rendering.LABELS[key]
        for key in ("number", "holding", "bins", "issued", "due", "charge", "amount")
        + ("arrears", "total", "pay", "verify", "signed")
    },
    "connection": _("Connection number"),
    "holder": _("Account holder"),
    "month": _("Billing month"),
    "read_between": _("Readings taken"),
    "category": _("Tariff category"),
    "meter": _("Meter"),
    "readings": _("Previous and current reading (m³)"),
    "consumption": _("Consumption (m³)"),
    "current_charges": _("Current charges"),
}
LINES = {
    "slab": _("Slab %(from)s–%(to)s m³: %(m3)s m³ × %(rate)s"),
    "slab_open": _("Above %(from)s m³: %(m3)s m³ × %(rate)s"),
    "minimum": _("Minimum charge (top-up)"),
    "meter_rent": _("Meter rent"),
    "flat": _("Flat monthly rate"),
}
NO_METER = _("No meter: billed at the flat rate")
NO_READING = _("No reading this month")
REPLACES = _("Cancels bill %(number)s")
PAY_TEXT = _(
    "Pay at the revenue counter of the municipality office, or online at %(site)s with the "
    "bill number, by the due date. What is left unpaid is carried to the next month's bill "
    "as arrears."
)


def _m3(value) -> str:
    """A volume as printed: 35.500 -> 35.5, 10.000 -> 10."""
    return format(Decimal(value).normalize(), "f")


def _line(line: dict) -> tuple[tuple[str, str], tuple[str, str]]:
    code = line["code"]
    if code == "slab":
        params = {
            "from": _m3(line["from"]),
            "m3": _m3(line["m3"]),
            "rate": line["rate"],
            "to": _m3(line["to"]) if line.get("to") else "",
        }
        label = rendering.both(LINES["slab" if line.get("to") else "slab_open"], **params)
    else:
        label = rendering.both(LINES.get(code, code))
    return label, rendering.money_both(line["amount"])


def meter_readings(bill: WaterBill) -> dict | None:
    """The meter and its previous and current readings of the bill's month
    (None: flat rate, or no accepted reading)."""
    reading = (
        Reading.objects.select_related("meter")
        .filter(
            meter__connection_id=bill.connection_id,
            period_id=bill.run.period_id,
            status=Reading.Status.ACCEPTED,
        )
        .order_by("-read_on", "-id")
        .first()
    )
    if reading is None:
        return None
    if "meter_replaced" in (reading.flags or []):
        previous = Decimal(0)  # the new dial started at zero
    else:
        previous = (
            Reading.objects.filter(
                meter_id=reading.meter_id,
                status=Reading.Status.ACCEPTED,
                read_on__lt=reading.read_on,
            )
            .order_by("-read_on", "-id")
            .values_list("value", flat=True)
            .first()
        )
        if previous is None:
            previous = reading.meter.initial_reading
    return {"serial": reading.meter.serial, "previous": previous, "current": reading.value}


def _owners(bill: WaterBill) -> list[tuple[str, str]]:
    links = (
        HoldingOwner.objects.filter(holding_id=bill.connection.holding_id)
        .select_related("owner")
        .order_by("-share_percent", "id")
    )
    return [(link.owner.name_en, link.owner.name_bn or link.owner.name_en) for link in links]


def _bins(bill: WaterBill) -> str:
    connection = bill.connection
    if connection.building_id:
        return connection.building.bin
    bins = Building.objects.filter(holdings=connection.holding_id).order_by("bin")
    return ", ".join(bins.values_list("bin", flat=True)) or "—"


def _page(bill: WaterBill, *, head: rendering.Letterhead, copy: str) -> dict:
    period = bill.run.period
    connection = bill.connection
    holding = connection.holding
    both, digits = rendering.both, rendering.digits_both
    L = {key: both(text) for key, text in LABELS.items()}
    facts = [
        (L["number"], (bill.number, bill.number)),
        (L["connection"], (connection.number, connection.number)),
        (L["holding"], digits(holding.code)),
        (L["bins"], (_bins(bill),) * 2),
    ]
    if copy == rendering.COPY_FULL:
        owners = _owners(bill)
        facts.append(
            (
                L["holder"],
                ("; ".join(o[0] for o in owners) or "—", "; ".join(o[1] for o in owners) or "—"),
            )
        )
    dates = [
        f"{a} – {b}"
        for a, b in zip(
            rendering.date_both(period.starts_on), rendering.date_both(period.ends_on), strict=True
        )
    ]
    category = connection.category
    facts += [
        (L["month"], rendering.date_both(datetime.date(period.year, period.month, 1), "F Y")),
        (L["read_between"], tuple(dates)),
        (L["issued"], rendering.date_both(timezone.localtime(bill.issued_at).date())),
        (L["due"], rendering.date_both(bill.due_on)),
        (L["category"], (category.name_en, category.name_bn or category.name_en)),
    ]
    if not bill.metered:
        facts.append((L["meter"], both(NO_METER)))
    else:
        readings = meter_readings(bill)
        if readings is None:
            facts.append((L["meter"], both(NO_READING)))
        else:
            shown = f"{_m3(readings['previous'])} → {_m3(readings['current'])}"
            facts += [(L["meter"], (readings["serial"],) * 2), (L["readings"], digits(shown))]
        facts.append((L["consumption"], digits(_m3(bill.consumption))))
    lines = [(*_line(line), "") for line in bill.lines]
    current = sum((Decimal(line["amount"]) for line in bill.lines), Decimal("0.00"))
    lines += [
        (L["current_charges"], rendering.money_both(current), "subtotal"),
        (L["arrears"], rendering.money_both(bill.arrears), ""),
        (L["total"], rendering.money_both(bill.total), "total"),
    ]
    url = verification_url(host=head.host, number=bill.number)
    return {
        "number": bill.number,
        "title": both(TITLES[bill.kind]),
        "replaces": both(REPLACES, number=bill.replaces.number) if bill.replaces_id else None,
        "fact_rows": [facts[i : i + 2] for i in range(0, len(facts), 2)],
        "lines": lines,
        "pay_text": both(PAY_TEXT, site=f"https://{head.host}/"),
        "verify_url": url,
        "qr": qr_data_uri(url),
    }


def water_bills_html(bills, *, head: rendering.Letterhead, copy: str) -> str:
    """One HTML document, one A4 page per water bill."""
    return render_to_string(
        TEMPLATE,
        {
            "head": head,
            "labels": {key: rendering.both(text) for key, text in LABELS.items()},
            "pages": [_page(bill, head=head, copy=copy) for bill in bills],
        },
    )


def water_bill_pdf(*, bill: WaterBill, copy: str = rendering.COPY_FULL) -> bytes:
    """The water bill's signed PDF: from the cache, or made now and cached.
    The full copy names the holding's owners; the public one does not."""

    def make(head, loaded) -> bytes:
        html = water_bills_html([bill], head=head, copy=copy)
        return pdf_services.html_sign(html, head=head, loaded=loaded, reason=REASON)

    return pdf_services.document_pdf_cached(
        document=bill, copy=copy, template_version=TEMPLATE_VERSION, make=make
    )


# --- ward print batches (billing's batch task, through the hook) -----------------


def water_batch_bills(run_id: int, ward_id: int):
    """The ward's issued water bills of the run, by connection number
    (cancellations and cancelled bills left out)."""
    return (
        WaterBill.objects.filter(
            run_id=run_id,
            connection__holding__ward_id=ward_id,
            kind=WaterBill.Kind.BILL,
            status=WaterBill.Status.ISSUED,
        )
        .select_related(
            "run__period",
            "replaces",
            "connection__holding",
            "connection__category",
            "connection__building",
        )
        .order_by("connection__number", "number")
    )


def water_print_batch_request(*, actor, run: WaterBillRun, ward: Ward):
    """The ward's print batch of an issued water bill run: queued now, or
    the existing one (billing's ``print_batch_request_kind``)."""
    if run.state != WaterBillRun.State.ISSUED:
        raise ValidationError(gettext("Only an issued bill run can be printed."))
    return pdf_services.print_batch_request_kind(
        actor=actor, kind="water", run_ref=run.pk, ward=ward, label=str(run.period)
    )


def _batch_label(run_id: int) -> str:
    return f"water-{WaterBillRun.objects.select_related('period').get(pk=run_id).period}"


BATCH = BatchHooks(
    documents=water_batch_bills,
    html=lambda bills, head: water_bills_html(bills, head=head, copy=rendering.COPY_FULL),
    label=_batch_label,
    reason=REASON,
)


# --- billing's hook: the verification page and the bills API ---------------------


def water_bill_by_number(number: str) -> WaterBill | None:
    if not number.startswith("W") or len(number) > 20:
        return None
    return (
        WaterBill.objects.select_related(
            "connection__holding", "connection__category", "connection__building"
        )
        .select_related("run__period", "replaces")
        .filter(number=number)
        .first()
    )


def water_verify_page(bill: WaterBill) -> tuple[str, dict]:
    """The public page shows the figures, the holding code and connection
    number only (no owner, BIN or meter)."""
    current = sum((Decimal(line["amount"]) for line in bill.lines), Decimal("0.00"))
    return "water/verify.html", {
        "bill": bill,
        "period": bill.run.period,
        "month": datetime.date(bill.run.period.year, bill.run.period.month, 1),
        "current": current,
        "replaced_by": WaterBill.objects.filter(replaces=bill).only("number").first(),
    }


def water_api_rows(code: str) -> list[dict]:
    """A holding's water bills (every connection), newest first."""
    bills = (
        WaterBill.objects.select_related("connection", "run__period", "replaces")
        .filter(connection__holding__code=code)
        .order_by("-run__period__year", "-run__period__month", "-id")
    )
    return [
        {
            "type": "water",
            "number": bill.number,
            "kind": bill.kind,
            "status": bill.status,
            "holding": code,
            "connection": bill.connection.number,
            "period": str(bill.run.period),
            "consumption": str(bill.consumption),
            "total": str(bill.total),
            "arrears": str(bill.arrears),
            "due_on": bill.due_on.isoformat(),
            "issued_at": bill.issued_at.isoformat(),
            "replaces": bill.replaces.number if bill.replaces_id else None,
            "pdf": f"/api/v1/bills/{bill.number}/pdf",
            "verify": f"/bills/verify/{bill.number}/",
        }
        for bill in bills
    ]


def water_bill_kind_register() -> None:
    """Called from the water app's ready()."""
    bill_kind_register(
        BillKind(
            slug="water",
            module="water",
            by_number=water_bill_by_number,
            verify_page=water_verify_page,
            pdf=lambda bill, copy: water_bill_pdf(bill=bill, copy=copy),
            api_rows=water_api_rows,
            batch=BATCH,
        )
    )

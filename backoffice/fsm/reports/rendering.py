"""A provider's month as a bilingual PDF (WeasyPrint, Noto Sans with Noto
Sans Bengali) and as an Excel workbook (openpyxl): the same figures, with
every label in English and Bangla side by side."""

import datetime
import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from backoffice.fsm.models import FeeMode
from backoffice.fsm.reports.selectors import ProviderMonth
from tenants.formatting import BENGALI_DIGITS, money_format

# The summary's rows: totals key, label, kind (count, volume, money, ratio).
SUMMARY = (
    ("jobs", _("Jobs emptied"), "count"),
    ("disposed", _("Loads delivered to a treatment plant"), "count"),
    ("volume_emptied_m3", _("Volume emptied (m³)"), "volume"),
    ("volume_disposed_m3", _("Volume delivered to plants (m³)"), "volume"),
    ("trips", _("Trips"), "count"),
    ("revenue_bdt", _("Revenue from fees (BDT)"), "money"),
    ("waived", _("Jobs with the fee waived"), "count"),
    ("sla_breaches", _("Jobs that breached a service level"), "count"),
    ("declined", _("Jobs declined"), "count"),
    ("overdue_open", _("Scheduled jobs still not emptied, overdue"), "count"),
    ("feedback", _("Feedback received"), "count"),
    ("satisfaction_avg", _("Average satisfaction (1 to 5)"), "ratio"),
    ("ppe_compliance_pct", _("Crews wearing protective equipment (%)"), "ratio"),
)
JOB_COLUMNS = (
    _("Reference"),
    _("Ward"),
    _("Emptied"),
    _("Volume (m³)"),
    _("Trips"),
    _("Fee (BDT)"),
    _("Fee settlement"),
    _("Treatment plant"),
    _("Delivered"),
    _("Service level breached"),
    _("Satisfaction"),
)
TITLE = _("Monthly service-provider report")
FIGURE, VALUE = _("Figure"), _("Value")


def both(text) -> tuple[str, str]:
    """(English, Bangla) of a translatable text."""
    with translation.override("en"):
        en = str(text)
    with translation.override("bn"):
        bn = str(text)
    return en, bn


def month_names(month: datetime.date) -> tuple[str, str]:
    with translation.override("en"):
        en = formats.date_format(month, "F Y")
    with translation.override("bn"):
        bn = formats.date_format(month, "F Y").translate(BENGALI_DIGITS)
    return en, bn


def display(value, kind: str) -> str:
    """A figure as the PDF prints it (lakh grouping for money)."""
    if value is None:
        return "—"
    if kind == "money":
        return money_format(value)
    if kind == "volume":
        return f"{Decimal(value):.2f}"
    return str(value)


def number(value, kind: str):
    """A figure as an Excel cell holds it (a number, not text)."""
    if value is None:
        return None
    if kind in ("money", "volume", "ratio"):
        return Decimal(value)
    return int(value)


def _fee_mode(code: str) -> str:
    if code not in FeeMode.values:
        return code or "—"
    return " / ".join(both(FeeMode(code).label))


def _yes_no(value: bool | None) -> str:
    return {True: "✓", False: "✗", None: "—"}[value]


def report_context(*, municipality, provider, month: datetime.date, data: ProviderMonth) -> dict:
    totals = data.totals
    return {
        "municipality": municipality,
        "provider": provider,
        "title": both(TITLE),
        "figure": both(FIGURE),
        "value": both(VALUE),
        "totals": totals,
        "month": month_names(month),
        "summary": [(both(label), display(totals[key], kind), key) for key, label, kind in SUMMARY],
        "columns": [both(c) for c in JOB_COLUMNS],
        "jobs": data.jobs,
        "generated": datetime.datetime.now(datetime.UTC),
    }


def pdf_render(context: dict, *, tz) -> bytes:
    from weasyprint import HTML

    rows = [
        (
            j.reference,
            j.ward or "—",
            j.emptied_at.astimezone(tz).strftime("%d-%m-%Y %H:%M"),
            f"{j.volume_emptied:.2f}",
            j.trips,
            money_format(j.fee),
            _fee_mode(j.fee_mode),
            j.plant or "—",
            _yes_no(j.disposed_at is not None),
            _yes_no(j.breached),
            j.satisfaction or "—",
        )
        for j in context["jobs"]
    ]
    html = render_to_string("fsm_reports/report_pdf.html", {**context, "rows": rows})
    return HTML(string=html).write_pdf()


def xlsx_render(context: dict, *, tz) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    bold = Font(bold=True)
    municipality, provider = context["municipality"], context["provider"]
    sheet.append([context["title"][0], context["title"][1]])
    sheet.append([municipality.name_en, municipality.name_bn])
    sheet.append([provider.name])
    sheet.append([context["month"][0], context["month"][1]])
    sheet.append([])
    sheet.append([*context["figure"], context["value"][0]])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    kinds = {key: kind for key, _label, kind in SUMMARY}
    totals = context["totals"]
    for (en, bn), _shown, key in context["summary"]:
        sheet.append([en, bn, number(totals[key], kinds[key])])
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 44
    sheet.column_dimensions["C"].width = 16

    jobs = book.create_sheet("Jobs")
    jobs.append([en for en, _bn in context["columns"]])
    jobs.append([bn for _en, bn in context["columns"]])
    for row in jobs.iter_rows(min_row=1, max_row=2):
        for cell in row:
            cell.font = bold
    for j in context["jobs"]:
        jobs.append(
            [
                j.reference,
                j.ward,
                j.emptied_at.astimezone(tz).replace(tzinfo=None),
                j.volume_emptied,
                j.trips,
                j.fee,
                both(FeeMode(j.fee_mode).label)[0] if j.fee_mode in FeeMode.values else j.fee_mode,
                j.plant,
                j.disposed_at is not None,
                j.breached,
                j.satisfaction,
            ]
        )
    for cell in jobs["C"][2:]:
        cell.number_format = "dd-mm-yyyy hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

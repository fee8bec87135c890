"""Bills as bilingual A4 pages (WeasyPrint, Noto Sans + Noto Sans Bengali).

Every label is printed in English and Bangla; amounts in lakh grouping with
Latin digits and again with Bengali digits.  The PDF shows only what does
not change after issue (no payment status: the verification page has it),
so a rendered PDF can be cached for good.  ``TEMPLATE_VERSION`` is part of
the cache key: bump it when the template or this module changes."""

import datetime
import threading
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from backoffice.billing.models import COMPONENT_LABELS, Bill
from backoffice.billing.pdf.qr import qr_data_uri, verification_url
from backoffice.registry.models import Building, HoldingOwner
from tenants.formatting import BENGALI_DIGITS, money_format

TEMPLATE_VERSION = "2"
TEMPLATE = "billing/bill_pdf.html"

TITLES = {
    Bill.Kind.BILL: _("Holding tax bill"),
    Bill.Kind.CORRECTION: _("Corrected holding tax bill"),
    Bill.Kind.CANCELLATION: _("Cancellation of a holding tax bill"),
}
LABELS = {
    "number": _("Bill number"),
    "holding": _("Holding code"),
    "ward": _("Ward"),
    "bins": _("BIN"),
    "owner": _("Owner"),
    "period": _("Billing period"),
    "issued": _("Issued on"),
    "due": _("Due date"),
    "annual_value": _("Annual value"),
    "charge": _("Charge"),
    "amount": _("Amount (BDT)"),
    "arrears": _("Arrears"),
    "surcharge": _("Surcharge on arrears"),
    "total": _("Total due"),
    "rebate": _("Rebate if paid by the due date"),
    "payable": _("Payable by the due date"),
    "pay": _("How to pay"),
    "verify": _("Verify this bill"),
    "signed": _("Digitally signed by the revenue chief. Scan the code to check this bill."),
}
PERIOD = _("Quarter %(quarter)s, %(year)s")
REPLACES = _("Replaces bill %(number)s")
PAY_TEXT = _(
    "Pay at the revenue counter of the municipality office, or online at %(site)s with the "
    "bill number. Paid in full by the due date, the rebate is deducted; arrears left after "
    "it carry a surcharge on the next bill."
)

COPY_FULL = "full"  # the staff and owner copy: names the owners
COPY_PUBLIC = "public"  # anyone with the holding code: no personal data
COPIES = (COPY_FULL, COPY_PUBLIC)


def both(text, **params) -> tuple[str, str]:
    """(English, Bangla) of a translatable text; numbers in Bengali digits
    in the Bangla one."""
    out = []
    for language in ("en", "bn"):
        with translation.override(language):
            value = str(text) % params if params else str(text)
        out.append(value.translate(BENGALI_DIGITS) if language == "bn" else value)
    return out[0], out[1]


def date_both(value: datetime.date, format: str = "j F Y") -> tuple[str, str]:
    with translation.override("en"):
        en = formats.date_format(value, format)
    with translation.override("bn"):
        bn = formats.date_format(value, format).translate(BENGALI_DIGITS)
    return en, bn


def money_both(value) -> tuple[str, str]:
    return money_format(value), money_format(value, language="bn")


def digits_both(text: str) -> tuple[str, str]:
    return text, text.translate(BENGALI_DIGITS)


@dataclass(frozen=True)
class Letterhead:
    name_en: str
    name_bn: str
    initials: str
    host: str
    logo_url: str  # file:// URL of the logo, or ""
    logo_id: int | None


def logo_of_municipality() -> tuple[int | None, str]:
    """The public site's Branding logo (citizen app, found through the app
    registry: backoffice does not import citizen), or none: then the
    initials are printed."""
    if not apps.is_installed("citizen"):
        return None, ""
    try:
        branding = apps.get_model("citizen", "Branding")
        row = branding.objects.select_related("logo").filter(logo__isnull=False).first()
    except LookupError:
        return None, ""
    if row is None or row.logo is None:
        return None, ""
    try:
        return row.logo.pk, "file://" + row.logo.file.path
    except (NotImplementedError, ValueError):
        return None, ""


def municipality_current():
    """The municipality of the current schema (``schema_context`` only sets
    a stand-in tenant without names or domains)."""
    tenant = getattr(connection, "tenant", None)
    if hasattr(tenant, "get_primary_domain"):
        return tenant
    from tenants.models import Municipality

    return Municipality.objects.get(schema_name=connection.schema_name)


def letterhead_current() -> Letterhead:
    municipality = municipality_current()
    domain = municipality.get_primary_domain()
    logo_id, logo_url = logo_of_municipality()
    return Letterhead(
        name_en=municipality.name_en,
        name_bn=municipality.name_bn,
        initials=municipality.initials,
        host=domain.domain if domain else "",
        logo_url=logo_url,
        logo_id=logo_id,
    )


def bills_for_print(queryset):
    """Everything a page prints, in a fixed number of queries."""
    return queryset.select_related("run__period", "holding__ward", "replaces").prefetch_related(
        Prefetch("holding__buildings", queryset=Building.objects.only("bin").order_by("bin")),
        Prefetch(
            "holding__holdingowner_set",
            queryset=HoldingOwner.objects.select_related("owner").order_by("-share_percent", "id"),
            to_attr="owner_links",
        ),
    )


def _page(bill: Bill, *, head: Letterhead, copy: str) -> dict:
    period = bill.run.period
    holding = bill.holding
    current = [
        (both(COMPONENT_LABELS.get(line["code"], line["code"])), money_both(line["amount"]))
        for line in bill.lines
    ]
    owners = None
    if copy == COPY_FULL:
        links = getattr(holding, "owner_links", None)
        if links is None:
            links = holding.holdingowner_set.select_related("owner").order_by("-share_percent")
        owners = [(link.owner.name_en, link.owner.name_bn) for link in links]
    url = verification_url(host=head.host, number=bill.number)
    issued = timezone.localtime(bill.issued_at).date()
    return {
        "number": bill.number,
        "kind": bill.kind,
        "title": both(TITLES[bill.kind]),
        "replaces": both(REPLACES, number=bill.replaces.number) if bill.replaces_id else None,
        "holding": digits_both(holding.code),
        "ward": digits_both(str(holding.ward.number)),
        "bins": [b.bin for b in holding.buildings.all()],
        "owners": owners,
        "period": both(PERIOD, quarter=period.quarter, year=period.year),
        "period_dates": tuple(
            f"{a} – {b}"
            for a, b in zip(date_both(period.starts_on), date_both(period.ends_on), strict=True)
        ),
        "issued": date_both(issued),
        "due": date_both(bill.due_on),
        "annual_value": money_both(bill.annual_value),
        "lines": current,
        "arrears": money_both(bill.arrears),
        "surcharge": money_both(bill.surcharge),
        "total": money_both(bill.total),
        "rebate": money_both(bill.rebate),
        "payable": money_both(bill.total - bill.rebate),
        "pay_text": both(PAY_TEXT, site=f"https://{head.host}/"),
        "verify_url": url,
        "qr": qr_data_uri(url),
    }


def bills_html(bills, *, head: Letterhead, copy: str = COPY_FULL) -> str:
    """One HTML document, one A4 page per bill."""
    return render_to_string(
        TEMPLATE,
        {
            "head": head,
            "labels": {key: both(text) for key, text in LABELS.items()},
            "pages": [_page(bill, head=head, copy=copy) for bill in bills],
        },
    )


_FONTS = threading.local()


def font_config():
    """One WeasyPrint font configuration per thread: fonts are found and
    loaded once, not for every bill (a quarter of a one-page render)."""
    config = getattr(_FONTS, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _FONTS.config = FontConfiguration()
    return config


def html_render(html: str):
    from weasyprint import HTML

    return HTML(string=html, base_url="file:///").render(font_config=font_config())


def html_to_pdf(html: str) -> bytes:
    return html_render(html).write_pdf()

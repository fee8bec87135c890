"""Making the month's reports: one PDF and one Excel file per service
provider, stored on the municipality's private storage with a
:class:`ProviderReport` row.  Idempotent: the month's generation holds a
per-schema advisory lock and skips providers that already have their
report, and the (provider, month) unique constraint backs it."""

import datetime

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from backoffice.fsm.models import ServiceProvider, Status
from backoffice.fsm.reports.models import ProviderReport
from backoffice.fsm.reports.periods import (
    month_bounds,
    month_start,
    municipality_tz,
    report_month_due,
)
from backoffice.fsm.reports.rendering import pdf_render, report_context, xlsx_render
from backoffice.fsm.reports.selectors import ProviderMonth, provider_months
from tenants.audit.services import audit_event_record

LOCK_KEY = 7302  # with hashtext(schema): one month's generation at a time per municipality


def _municipality():
    from tenants.models import Municipality

    return Municipality.objects.get(schema_name=connection.schema_name)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()), %s)", [LOCK_KEY])


def _report_make(*, municipality, provider, month, data: ProviderMonth, tz) -> ProviderReport:
    context = report_context(municipality=municipality, provider=provider, month=month, data=data)
    report = ProviderReport(provider=provider, month=month, totals=context["totals"])
    stem = f"fsm-reports/{month:%Y-%m}/{municipality.code}-provider-{provider.pk}-{month:%Y-%m}"
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf_render(context, tz=tz)), save=False)
    report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx_render(context, tz=tz)), save=False)
    report.full_clean()
    report.save()
    audit_event_record(
        actor=None,
        action="fsm.report.generate",
        obj=report,
        data={"provider": provider.name, "month": f"{month:%Y-%m}", "totals": report.totals},
    )
    return report


@transaction.atomic
def monthly_reports_generate(
    *, month: datetime.date, now: datetime.datetime | None = None
) -> list[ProviderReport]:
    """The reports of ``month`` for every active provider and every provider
    that worked in it; returns those made now (none when all exist)."""
    month = month_start(month)
    now = now or timezone.now()
    _lock()
    done = set(ProviderReport.objects.filter(month=month).values_list("provider_id", flat=True))
    tz = municipality_tz()
    months = provider_months(month=month, tz=tz, now=now)
    wanted = ServiceProvider.objects.filter(pk__in=list(months)) | ServiceProvider.objects.filter(
        status=Status.ACTIVE
    )
    providers = [p for p in wanted.distinct().order_by("name") if p.pk not in done]
    if not providers:
        return []
    municipality = _municipality()
    return [
        _report_make(
            municipality=municipality,
            provider=provider,
            month=month,
            data=months.get(provider.pk, ProviderMonth(provider.pk)),
            tz=tz,
        )
        for provider in providers
    ]


def monthly_reports_missing(*, month: datetime.date) -> bool:
    """Does any provider due a report for ``month`` lack one?  (Active ones,
    and any that emptied a job in it.)"""
    lacking = ServiceProvider.objects.exclude(monthly_reports__month=month)
    if lacking.filter(status=Status.ACTIVE).exists():
        return True
    start, end = month_bounds(month, municipality_tz())
    return lacking.filter(
        applications__emptied_at__gte=start, applications__emptied_at__lt=end
    ).exists()


def monthly_reports_due(*, now: datetime.datetime | None = None) -> datetime.date | None:
    """The month to report now, in this municipality's clock, if its reports
    are not all made yet (None: nothing to do)."""
    tenant = connection.tenant
    if hasattr(tenant, "has_module") and not tenant.has_module("fsm"):
        return None  # FSM switched off here (a water utility, say)
    month = report_month_due(now or timezone.now(), municipality_tz())
    if month is None or not monthly_reports_missing(month=month):
        return None
    return month

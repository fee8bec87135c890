"""``IMIS_DEMO_STEPS`` entry (after the synthetic city): last month's
provider reports, so a fresh demo shows some before its first 1st."""

from django.utils import timezone

from backoffice.fsm.reports.periods import month_previous, month_start, municipality_tz


def demo_step(municipality, *, scale: str | None = None) -> None:
    from backoffice.fsm.reports.services import monthly_reports_generate

    today = timezone.now().astimezone(municipality_tz()).date()
    monthly_reports_generate(month=month_previous(month_start(today)))

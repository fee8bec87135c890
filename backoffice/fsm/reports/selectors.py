"""What a monthly service-provider report says, and who may see which.

A provider's month is the jobs it *emptied* in that month (local time):
their count, volumes emptied and delivered to a plant, trips, the fees
charged (waived jobs count as jobs, at no fee), SLA breaches and the
feedback received on them by the time the report is made.  A job breaches
when a stage the provider owns outlived its service level: emptying after
scheduling (the SCHEDULED hours) or delivery to a plant after emptying (the
EMPTIED hours; a load not yet at a plant counts up to the report's time).
Declines count from the assignment history, in the month; jobs scheduled by
the month's end and still waiting past the SCHEDULED hours at the report's
time are counted apart (``overdue_open``)."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet

from backoffice.fsm import sla, workflow
from backoffice.fsm.models import AssignmentHistory, EmptyingApplication, ProviderMember
from backoffice.fsm.reports.models import ProviderReport
from backoffice.fsm.reports.periods import month_bounds
from tenants.permissions import user_roles

OFFICE = frozenset({workflow.MANAGER, workflow.ADMIN})
ZERO = Decimal("0.00")
JOB_FIELDS = (
    "pk",
    "reference",
    "provider_id",
    "building__ward__number",
    "scheduled_at",
    "emptied_at",
    "disposed_at",
    "emptied_volume_m3",
    "disposed_volume_m3",
    "trips",
    "fee",
    "fee_mode",
    "plant__name",
    "satisfaction",
    "crew_wore_ppe",
    "feedback_at",
)


@dataclass
class JobLine:
    reference: str
    ward: int | None
    emptied_at: datetime.datetime
    disposed_at: datetime.datetime | None
    volume_emptied: Decimal
    volume_disposed: Decimal | None
    trips: int
    fee: Decimal
    fee_mode: str
    plant: str
    satisfaction: int | None
    crew_wore_ppe: bool | None
    breached: bool


@dataclass
class ProviderMonth:
    provider_id: int
    jobs: list[JobLine] = field(default_factory=list)
    declined: int = 0
    overdue_open: int = 0

    @property
    def totals(self) -> dict:
        """JSON-ready figures (money and volumes as strings of Decimals)."""
        jobs = self.jobs
        rated = [j.satisfaction for j in jobs if j.satisfaction is not None]
        ppe = [j.crew_wore_ppe for j in jobs if j.crew_wore_ppe is not None]
        return {
            "jobs": len(jobs),
            "disposed": sum(1 for j in jobs if j.disposed_at is not None),
            "volume_emptied_m3": str(sum((j.volume_emptied for j in jobs), ZERO)),
            "volume_disposed_m3": str(
                sum((j.volume_disposed for j in jobs if j.volume_disposed is not None), ZERO)
            ),
            "trips": sum(j.trips for j in jobs),
            "revenue_bdt": str(sum((j.fee for j in jobs), ZERO)),
            "waived": sum(1 for j in jobs if j.fee_mode == "waived"),
            "sla_breaches": sum(1 for j in jobs if j.breached),
            "declined": self.declined,
            "overdue_open": self.overdue_open,
            "feedback": len(rated),
            "satisfaction_avg": _ratio(sum(rated), len(rated), "0.01"),
            "ppe_compliance_pct": _ratio(100 * sum(ppe), len(ppe), "0.1"),
        }


def _ratio(part, whole, places: str) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP))


def job_breached(
    *, scheduled_at, emptied_at, disposed_at, hours: dict, until: datetime.datetime
) -> bool:
    """Did a stage the provider owns outlive its service level?"""
    emptying = hours.get(workflow.SCHEDULED)
    if (
        emptying is not None
        and scheduled_at is not None
        and emptied_at - scheduled_at > datetime.timedelta(hours=emptying)
    ):
        return True
    delivery = hours.get(workflow.EMPTIED)
    if delivery is not None:
        arrived = disposed_at or until
        if arrived - emptied_at > datetime.timedelta(hours=delivery):
            return True
    return False


def provider_months(
    *, month: datetime.date, tz: datetime.tzinfo, now: datetime.datetime, hours=None
) -> dict[int, ProviderMonth]:
    """Every provider with a job emptied or a decline in ``month``, or a job
    scheduled by its end and still not emptied past the service level (three
    queries)."""
    start, end = month_bounds(month, tz)
    hours = hours if hours is not None else sla.sla_hours()
    months: dict[int, ProviderMonth] = {}
    rows = (
        EmptyingApplication.objects.filter(
            provider__isnull=False, emptied_at__gte=start, emptied_at__lt=end
        )
        .order_by("emptied_at", "reference")
        .values_list(*JOB_FIELDS)
    )
    for row in rows:
        data = dict(zip(JOB_FIELDS, row, strict=True))
        entry = months.setdefault(data["provider_id"], ProviderMonth(data["provider_id"]))
        entry.jobs.append(
            JobLine(
                reference=data["reference"],
                ward=data["building__ward__number"],
                emptied_at=data["emptied_at"],
                disposed_at=data["disposed_at"],
                volume_emptied=data["emptied_volume_m3"] or ZERO,
                volume_disposed=data["disposed_volume_m3"],
                trips=data["trips"] or 1,
                fee=data["fee"] if data["fee"] is not None and data["fee_mode"] else ZERO,
                fee_mode=data["fee_mode"],
                plant=data["plant__name"] or "",
                satisfaction=data["satisfaction"] if data["feedback_at"] else None,
                crew_wore_ppe=data["crew_wore_ppe"] if data["feedback_at"] else None,
                breached=job_breached(
                    scheduled_at=data["scheduled_at"],
                    emptied_at=data["emptied_at"],
                    disposed_at=data["disposed_at"],
                    hours=hours,
                    until=now,
                ),
            )
        )
    declines = (
        AssignmentHistory.objects.filter(action=workflow.DECLINE, at__gte=start, at__lt=end)
        .order_by()
        .values("provider_id")
        .annotate(n=Count("pk"))
    )
    for row in declines:
        months.setdefault(row["provider_id"], ProviderMonth(row["provider_id"])).declined = row["n"]
    emptying = hours.get(workflow.SCHEDULED)
    if emptying is not None:
        # Assigned by the month's end and still not emptied, past the service level now.
        waiting = (
            EmptyingApplication.objects.filter(
                state=workflow.SCHEDULED,
                provider__isnull=False,
                scheduled_at__lt=min(end, now - datetime.timedelta(hours=emptying)),
            )
            .order_by()
            .values("provider_id")
            .annotate(n=Count("pk"))
        )
        for row in waiting:
            entry = months.setdefault(row["provider_id"], ProviderMonth(row["provider_id"]))
            entry.overdue_open = row["n"]
    return months


def reports_for_user(user) -> QuerySet[ProviderReport]:
    """The office sees every report; a provider's staff their provider's only."""
    roles = user_roles(user)
    reports = ProviderReport.objects.select_related("provider")
    if roles & OFFICE:
        return reports
    if workflow.PROVIDER in roles:
        providers = ProviderMember.objects.filter(user_id=user.pk).values("provider_id")
        return reports.filter(provider_id__in=providers)
    return reports.none()

"""A known October 2026 in Khulna's clock (Asia/Dhaka, UTC+6): jobs of
three providers, with totals worked out by hand (``EXPECTED``)."""

import datetime
import zoneinfo
from decimal import Decimal

from backoffice.fsm.models import (
    AssignmentHistory,
    EmptyingApplication,
    FeeMode,
    ProviderMember,
    ServiceProvider,
    Vehicle,
)

DHAKA = zoneinfo.ZoneInfo("Asia/Dhaka")
OCTOBER = datetime.date(2026, 10, 1)
# Generation time: ten minutes into 1 November, in Khulna.
NOW = datetime.datetime(2026, 11, 1, 0, 10, tzinfo=DHAKA)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=DHAKA)


def _job(provider, reference, **fields) -> EmptyingApplication:
    fields.setdefault("state", "closed" if fields.get("disposed_at") else "emptied")
    fields.setdefault("trips", 1)
    return EmptyingApplication.objects.create(reference=reference, provider=provider, **fields)


def month_make(*, member=None) -> dict[str, ServiceProvider]:
    """P1 (active; ``member`` works for it), P2 (active), P3 (suspended,
    idle: no report), P4 (suspended, but worked in October)."""
    p1 = ServiceProvider.objects.create(name="Rupsha Sanitation Services Ltd.")
    p2 = ServiceProvider.objects.create(name="Daulatpur Septic Services")
    ServiceProvider.objects.create(name="Idle Cleaning Traders", status="suspended")
    p4 = ServiceProvider.objects.create(name="Boyra Pit Emptying Enterprise", status="suspended")
    Vehicle.objects.create(provider=p1, plate="KHULNA METRO-TA 11-0001", capacity_m3=3, width_m=2)
    if member is not None:
        ProviderMember.objects.create(provider=p1, user_id=member.pk)
    paid, on_service, waived = FeeMode.PAID, FeeMode.PAY_ON_SERVICE, FeeMode.WAIVED
    # P1: on time, paid, happy.
    _job(p1, "T-1", scheduled_at=at(3, 9), emptied_at=at(5, 10), disposed_at=at(5, 12),
         emptied_volume_m3=Decimal("2.50"), disposed_volume_m3=Decimal("2.45"),
         fee=Decimal("1500.00"), fee_mode=paid, satisfaction=5, crew_wore_ppe=True,
         feedback_at=at(6, 9))  # fmt: skip
    # Emptied 5 days after scheduling: the 72-hour service level is breached.
    _job(p1, "T-2", scheduled_at=at(15, 9), emptied_at=at(20, 15), disposed_at=at(20, 17),
         emptied_volume_m3=Decimal("4.00"), disposed_volume_m3=Decimal("3.90"), trips=2,
         fee=Decimal("2500.00"), fee_mode=on_service, satisfaction=3, crew_wore_ppe=False,
         feedback_at=at(22, 9))  # fmt: skip
    # Waived; emptied 40 minutes before the report: not late yet.
    _job(
        p1,
        "T-3",
        scheduled_at=at(30, 10),
        emptied_at=at(31, 23, 30),
        emptied_volume_m3=Decimal("1.20"),
        fee=Decimal("0.00"),
        fee_mode=waived,
    )
    # Never reached a plant (emptied 20 days ago): breached.
    _job(
        p1,
        "T-6",
        scheduled_at=at(11, 9),
        emptied_at=at(12, 8),
        emptied_volume_m3=Decimal("3.00"),
        fee=Decimal("1000.00"),
        fee_mode=paid,
    )
    # Outside October in Khulna: T-4 is still 31 October in UTC, T-5 is September.
    _job(
        p1,
        "T-4",
        scheduled_at=at(31, 9),
        emptied_at=at(1, 0, 30, month=11),
        emptied_volume_m3=Decimal("9.00"),
        fee=Decimal("9000.00"),
        fee_mode=paid,
    )
    _job(
        p1,
        "T-5",
        scheduled_at=at(28, 9, month=9),
        emptied_at=at(30, 23, month=9),
        emptied_volume_m3=Decimal("9.00"),
        fee=Decimal("9000.00"),
        fee_mode=paid,
    )
    # Scheduled on 20 October, still not emptied on 1 November: overdue, open.
    _job(p1, "T-9", state="scheduled", scheduled_at=at(20, 9))
    # Scheduled an hour before the report: not overdue yet.
    _job(p1, "T-10", state="scheduled", scheduled_at=at(31, 23, 10))
    AssignmentHistory.objects.create(
        application=EmptyingApplication.objects.get(reference="T-2"),
        provider=p1, action="decline", reason="Lane too narrow", at=at(10, 9),
    )  # fmt: skip
    # P2: one big job (lakh grouping in the PDF).
    _job(p2, "T-7", scheduled_at=at(14, 9), emptied_at=at(15, 11), disposed_at=at(15, 13),
         emptied_volume_m3=Decimal("5.55"), disposed_volume_m3=Decimal("5.50"), trips=3,
         fee=Decimal("123456.50"), fee_mode=paid, satisfaction=4, crew_wore_ppe=True,
         feedback_at=at(16, 10))  # fmt: skip
    _job(p4, "T-8", scheduled_at=at(1, 9), emptied_at=at(2, 10), disposed_at=at(2, 11),
         emptied_volume_m3=Decimal("2.00"), disposed_volume_m3=Decimal("2.00"),
         fee=Decimal("800.00"), fee_mode=paid)  # fmt: skip
    return {"p1": p1, "p2": p2, "p4": p4}


EXPECTED = {
    "p1": {
        "jobs": 4,
        "disposed": 2,
        "volume_emptied_m3": "10.70",
        "volume_disposed_m3": "6.35",
        "trips": 5,
        "revenue_bdt": "5000.00",
        "waived": 1,
        "sla_breaches": 2,
        "declined": 1,
        "overdue_open": 1,
        "feedback": 2,
        "satisfaction_avg": "4.00",
        "ppe_compliance_pct": "50.0",
    },
    "p2": {
        "jobs": 1,
        "disposed": 1,
        "volume_emptied_m3": "5.55",
        "volume_disposed_m3": "5.50",
        "trips": 3,
        "revenue_bdt": "123456.50",
        "waived": 0,
        "sla_breaches": 0,
        "declined": 0,
        "overdue_open": 0,
        "feedback": 1,
        "satisfaction_avg": "4.00",
        "ppe_compliance_pct": "100.0",
    },
    "p4": {
        "jobs": 1,
        "disposed": 1,
        "volume_emptied_m3": "2.00",
        "volume_disposed_m3": "2.00",
        "trips": 1,
        "revenue_bdt": "800.00",
        "waived": 0,
        "sla_breaches": 0,
        "declined": 0,
        "overdue_open": 0,
        "feedback": 0,
        "satisfaction_avg": None,
        "ppe_compliance_pct": None,
    },
}

"""The collection report (backoffice/billing/reports.py): valid payments by
day or month, ward and method, on the municipality's clock; cancelled
receipts left out; the export holds the same rows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.billing import reports
from backoffice.payments import services as payments
from backoffice.registry.exporting.services import csv_stream
from tests.backoffice.billing.test_dues import pay
from tests.backoffice.payments.factories import bill_make
from tests.backoffice.registry.factories import wards_make
from tests.conftest import staff_user

D = Decimal


def at(day: str, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A moment on the municipality's (Dhaka) clock."""
    date = datetime.date.fromisoformat(day)
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))


def collection_sample(tenant) -> None:
    wards_make(2)
    one = bill_make("01-066-0001-00", total=D("5000.00"))
    two = bill_make("02-066-0002-00", total=D("5000.00"))
    pay(tenant, one, "100.00", when=at("2026-03-01", 0, 30))  # just after midnight, Dhaka
    pay(tenant, one, "200.00", when=at("2026-03-01"), method="online")
    pay(tenant, two, "300.00", when=at("2026-03-02"))
    pay(tenant, two, "400.00", when=at("2026-04-05"), method="online")
    pay(tenant, two, "999.00", when=at("2026-02-28", 23, 59))  # the day before the range
    cancelled = pay(tenant, one, "50.00", when=at("2026-03-02"))
    payments.receipt_cancel(
        actor=staff_user(tenant, "revenue_chief"), payment=cancelled, reason="duplicate"
    )


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        collection_sample(tenant_a)
        yield tenant_a


def test_by_day_ward_and_method(sample_a):
    report = reports.collection_report(
        start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 30), grouping="day"
    )
    rows = [
        (r.period.isoformat(), r.ward, r.figures.payments, r.figures.online, r.figures.counter)
        for r in report.rows
    ]
    assert rows == [
        ("2026-03-01", 1, 2, D("200.00"), D("100.00")),
        ("2026-03-02", 2, 1, D("0.00"), D("300.00")),
        ("2026-04-05", 2, 1, D("400.00"), D("0.00")),
    ]
    assert [(w.ward, w.figures.total) for w in report.by_ward] == [
        (1, D("300.00")),
        (2, D("700.00")),
    ]
    assert (report.total.payments, report.total.online, report.total.counter) == (
        4,
        D("600.00"),
        D("400.00"),
    )
    assert report.total.total == D("1000.00")


def test_by_month_and_range_ends(sample_a):
    report = reports.collection_report(
        start=datetime.date(2026, 2, 28), end=datetime.date(2026, 3, 31), grouping="month"
    )
    rows = [(r.period.isoformat(), r.ward, r.figures.total) for r in report.rows]
    assert rows == [
        ("2026-02-01", 2, D("999.00")),
        ("2026-03-01", 1, D("300.00")),
        ("2026-03-01", 2, D("300.00")),
    ]
    with pytest.raises(ValueError):
        reports.collection_report(
            start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 2), grouping="week"
        )


def test_export_rows(sample_a):
    query = reports.collection_export_query(
        start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), grouping="day"
    )
    lines = b"".join(csv_stream(query)).decode("utf-8").strip().splitlines()
    assert lines == [
        "\ufeffperiod,ward,ward_name_en,ward_name_bn,method,payments,amount",
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,counter,1,100.00",
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,online,1,200.00",
        "2026-03-02,2,Ward 2,ওয়ার্ড 2,counter,1,300.00",
    ]


def test_report_stays_in_its_municipality(sample_a, tenant_b):
    with schema_context(tenant_b.schema_name):
        report = reports.collection_report(
            start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)
        )
        assert report.rows == [] and report.total.total == D("0.00")

"""The collection report (backoffice/billing/reports.py): valid payments of
holding-tax bills, water bills and connection fees by day or month, ward,
service and method, on the
municipality's clock; cancelled receipts left out; the export holds the same
rows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.billing import reports
from backoffice.payments import services as payments
from backoffice.registry.exporting.services import csv_stream
from tests.backoffice.billing.test_dues import pay
from tests.backoffice.payments.factories import bill_make, water_bill_make
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
        "\ufeffperiod,ward,ward_name_en,ward_name_bn,service,method,payments,amount",
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,holding_tax,counter,1,100.00",
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,holding_tax,online,1,200.00",
        "2026-03-02,2,Ward 2,ওয়ার্ড 2,holding_tax,counter,1,300.00",
    ]


def test_report_stays_in_its_municipality(sample_a, tenant_b):
    with schema_context(tenant_b.schema_name):
        report = reports.collection_report(
            start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)
        )
        assert report.rows == [] and report.total.total == D("0.00")


def water_sample(tenant) -> None:
    """Water bill payments and a new connection's fee next to
    collection_sample's holding tax: ward 1 (the water bill's connection and
    the application are on a ward 1 holding)."""
    from backoffice.water import applications

    water = water_bill_make(total=D("850.00"))
    officer = staff_user(tenant, "water_officer")
    application = applications.application_submit(
        actor=officer,
        applicant_name="Nasima Akter",
        applicant_phone="01712345678",
        holding=water.connection.holding,
        category=water.connection.category,
        size_mm=15,
    )
    application = applications.application_approve(actor=officer, application=application)
    assert application.fee >= D("100.00")
    pay(tenant, application, "100.00", when=at("2026-03-02", 15))
    pay(tenant, water, "150.00", when=at("2026-03-01", 9))
    pay(tenant, water, "250.00", when=at("2026-03-02"), method="online")
    cancelled = pay(tenant, water, "70.00", when=at("2026-03-02"))
    payments.receipt_cancel(
        actor=staff_user(tenant, "revenue_chief"), payment=cancelled, reason="duplicate"
    )
    pay(tenant, water, "60.00", when=at("2026-05-01", 0, 10))  # after the range


@pytest.fixture
def both_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        collection_sample(tenant_a)
        water_sample(tenant_a)
        yield tenant_a


def test_water_and_holding_tax_side_by_side(both_a):
    report = reports.collection_report(
        start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 30), grouping="day"
    )
    rows = [
        (
            r.period.isoformat(),
            r.ward,
            r.figures.holding_tax.total,
            r.figures.water.online,
            r.figures.water.counter,
            r.figures.payments,
            r.figures.total,
        )
        for r in report.rows
    ]
    assert rows == [
        ("2026-03-01", 1, D("300.00"), D("0.00"), D("150.00"), 3, D("450.00")),
        ("2026-03-02", 1, D("0.00"), D("250.00"), D("0.00"), 2, D("350.00")),
        ("2026-03-02", 2, D("300.00"), D("0.00"), D("0.00"), 1, D("300.00")),
        ("2026-04-05", 2, D("400.00"), D("0.00"), D("0.00"), 1, D("400.00")),
    ]
    assert [
        (w.ward, w.figures.holding_tax.total, w.figures.water.total, w.figures.total)
        for w in report.by_ward
    ] == [(1, D("300.00"), D("400.00"), D("800.00")), (2, D("700.00"), D("0.00"), D("700.00"))]
    assert report.by_ward[0].figures.water_supply.total == D("500.00")
    tax, water, both = report.total.holding_tax, report.total.water, report.total
    fees = report.total.connection_fee
    assert (tax.payments, tax.online, tax.counter) == (4, D("600.00"), D("400.00"))
    assert (water.payments, water.online, water.counter) == (2, D("250.00"), D("150.00"))
    assert (fees.payments, fees.online, fees.counter) == (1, D("0.00"), D("100.00"))
    assert (both.payments, both.online, both.counter, both.total) == (
        7,
        D("850.00"),
        D("650.00"),
        D("1500.00"),
    )
    # The month view adds up to the same.
    month = reports.collection_report(
        start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 30), grouping="month"
    )
    assert [(r.period.month, r.ward, r.figures.water.total) for r in month.rows] == [
        (3, 1, D("400.00")),
        (3, 2, D("0.00")),
        (4, 2, D("0.00")),
    ]
    assert month.total.total == D("1500.00")


def test_export_rows_name_the_service(both_a):
    query = reports.collection_export_query(
        start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 2), grouping="day"
    )
    lines = b"".join(csv_stream(query)).decode("utf-8").strip().splitlines()
    assert lines[1:] == [
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,holding_tax,counter,1,100.00",
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,holding_tax,online,1,200.00",
        "2026-03-01,1,Ward 1,ওয়ার্ড 1,water,counter,1,150.00",
        "2026-03-02,1,Ward 1,ওয়ার্ড 1,connection_fee,counter,1,100.00",
        "2026-03-02,1,Ward 1,ওয়ার্ড 1,water,online,1,250.00",
        "2026-03-02,2,Ward 2,ওয়ার্ড 2,holding_tax,counter,1,300.00",
    ]


def test_water_payments_stay_in_their_municipality(both_a, tenant_b):
    with schema_context(tenant_b.schema_name):
        water_sample(tenant_b)
        report = reports.collection_report(
            start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 30)
        )
        assert report.total.holding_tax.total == D("0.00")
        assert (report.total.water.payments, report.total.water.total) == (2, D("400.00"))
        assert report.total.connection_fee.total == D("100.00")

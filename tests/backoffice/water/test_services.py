"""Tariffs, connections, meters and readings through the services, in both
tenants."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from backoffice.water import services
from backoffice.water.models import Connection, Reading, TariffSlab
from tenants.audit.models import AuditEvent
from tests.backoffice.registry.factories import holding_make
from tests.backoffice.water.factories import period_make, water_sample
from tests.conftest import staff_user

D = datetime.date


@pytest.fixture(params=["tenant_a", "tenant_b"])
def water(request):
    tenant = request.getfixturevalue(request.param)
    with schema_context(tenant.schema_name):
        officer = staff_user(tenant, "water_officer")
        sample = water_sample(officer)
        sample["officer"] = officer
        sample["tenant"] = tenant
        yield sample


def _record(water, connection, value, read_on, period=None, **kw):
    return services.reading_record(
        actor=water["officer"],
        meter=connection.meters.get(active=True),
        period=period or period_make(read_on.year, read_on.month),
        read_on=read_on,
        value=Decimal(value),
        today=kw.pop("today", D(2026, 12, 31)),
        **kw,
    )


def test_connection_numbers_come_from_the_schema_sequence(water):
    numbers = list(Connection.objects.values_list("number", flat=True))
    assert len(numbers) == 5 and all(n.startswith("WC-") for n in numbers)
    assert len(set(numbers)) == 5
    connection = water["connections"][0]
    assert connection.meters.get().serial == f"M-{connection.holding.code}"
    assert connection.location.srid == 4326
    assert not water["flat"].meters.exists()
    assert AuditEvent.objects.filter(action="water.connection_created").count() == 5


def test_only_the_water_office_writes(water):
    viewer = staff_user(water["tenant"], "viewer")
    with pytest.raises(PermissionDenied):
        services.period_create(actor=viewer, year=2027, month=1)
    with pytest.raises(PermissionDenied):
        _record({**water, "officer": viewer}, water["connections"][0], "5", D(2026, 10, 28))


def test_slabs_are_replaced_whole_and_checked(water):
    domestic = water["tariffs"]["domestic"]
    with pytest.raises(ValidationError):
        services.tariff_slabs_set(actor=water["officer"], category=domestic, slabs=[])
    with pytest.raises(ValidationError):
        services.tariff_slabs_set(
            actor=water["officer"], category=domestic, slabs=[(None, "5"), (None, "6")]
        )
    with pytest.raises(ValidationError):
        services.tariff_slabs_set(
            actor=water["officer"],
            category=domestic,
            slabs=[(Decimal("20"), "5"), (Decimal("10"), "6"), (None, "7")],
        )
    services.tariff_slabs_set(
        actor=water["officer"], category=domestic, slabs=[(Decimal("5"), "4"), (Decimal("99"), "9")]
    )
    assert list(TariffSlab.objects.filter(category=domestic).values_list("upto_m3", "rate")) == [
        (Decimal("5.000"), Decimal("4.00")),
        (None, Decimal("9.00")),
    ]


def test_a_year_of_readings_then_a_jump_is_flagged_and_a_lower_one_refused(water):
    connection = water["connections"][0]
    for month, value in ((7, "10"), (8, "22"), (9, "31")):
        reading = _record(water, connection, value, D(2026, month, 27))
        assert reading.status == Reading.Status.ACCEPTED
    assert reading.consumption == Decimal("9")
    with pytest.raises(ValidationError) as refused:
        _record(water, connection, "30", D(2026, 10, 27))
    assert "lower than the last reading" in str(refused.value.message_dict["value"])
    jump = _record(water, connection, "90", D(2026, 10, 27))  # 59 m³ vs an average of 10.3
    assert jump.status == Reading.Status.FLAGGED and jump.flags == ["jump"]
    with pytest.raises(ValidationError) as twice:
        _record(water, connection, "95", D(2026, 10, 29))
    assert "already has a reading" in str(twice.value.message_dict["read_on"])
    services.reading_review(actor=water["officer"], reading=jump, accept=False, note="misread")
    again = _record(water, connection, "42", D(2026, 10, 29))  # a rejected one is as if not taken
    assert again.status == Reading.Status.ACCEPTED and again.consumption == Decimal("11")


def test_readings_dated_wrongly_are_refused(water):
    connection = water["connections"][0]
    with pytest.raises(ValidationError) as future:
        _record(water, connection, "5", D(2026, 10, 28), today=D(2026, 10, 20))
    assert "in the future" in str(future.value.message_dict["read_on"])
    with pytest.raises(ValidationError) as outside:
        _record(water, connection, "5", D(2026, 9, 28), period=period_make(2026, 10))
    assert "outside the billing period" in str(outside.value.message_dict["read_on"])


def test_above_the_category_ceiling_is_flagged_and_can_be_accepted(water):
    reading = _record(water, water["connections"][0], "150", D(2026, 10, 28))
    assert reading.flags == ["ceiling"] and reading.status == Reading.Status.FLAGGED
    services.reading_review(actor=water["officer"], reading=reading, accept=True)
    reading.refresh_from_db()
    assert reading.status == Reading.Status.ACCEPTED and reading.reviewed_by == water["officer"]


def test_a_new_meter_replaces_the_old_one(water):
    connection = water["connections"][0]
    _record(water, connection, "40", D(2026, 9, 28))
    services.meter_install(
        actor=water["officer"], connection=connection, serial="NEW-1", installed_on=D(2026, 10, 2)
    )
    assert connection.meters.filter(active=True).get().serial == "NEW-1"
    reading = _record(water, connection, "6", D(2026, 10, 28))
    assert reading.consumption == Decimal("6") and reading.status == Reading.Status.ACCEPTED


def test_a_metered_connection_needs_a_serial(water):
    holding = holding_make(water["officer"], code="02-001-0077-00")
    with pytest.raises(ValidationError):
        services.connection_create(
            actor=water["officer"],
            holding=holding,
            category=water["tariffs"]["domestic"],
            size_mm=15,
            location=water["flat"].location,
        )

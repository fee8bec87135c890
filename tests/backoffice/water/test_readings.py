"""The reading checks as a pure function: what is refused, what is flagged,
and the use each reading records."""

import datetime
from decimal import Decimal

import pytest

from backoffice.water.readings import ReadingInput, reading_check

D = datetime.date
BASE = {
    "value": Decimal("120"),
    "read_on": D(2026, 10, 28),
    "today": D(2026, 10, 30),
    "period_starts_on": D(2026, 10, 1),
    "period_ends_on": D(2026, 10, 31),
    "previous_value": Decimal("100"),
    "previous_read_on": D(2026, 9, 28),
}


def check(**changes):
    return reading_check(ReadingInput(**{**BASE, **changes}))


def fields(result):
    return sorted(f for f, _m in result.errors)


def test_a_plain_reading_records_the_difference():
    result = check()
    assert result.ok and result.flags == () and result.consumption == Decimal("20")


def test_lower_than_the_last_reading_is_refused_and_says_both_values():
    result = check(value=Decimal("90"))
    assert fields(result) == ["value"] and result.consumption is None
    message = result.errors[0][1]
    assert "90" in message and "100" in message


def test_a_rollover_counts_through_zero_and_is_flagged_for_review():
    result = check(value=Decimal("15"), previous_value=Decimal("999990"), rollover=True, digits=6)
    assert result.ok and result.consumption == Decimal("25") and result.flags == ("rollover",)
    assert not check(value=Decimal("999995"), previous_value=Decimal("999990"), rollover=True).ok


def test_a_replaced_meter_counts_from_zero():
    result = check(value=Decimal("7"), meter_replaced=True)
    assert result.ok and result.consumption == Decimal("7") and "meter_replaced" in result.flags
    assert not check(value=Decimal("7"), meter_replaced=True, rollover=True).ok


def test_future_and_out_of_period_dates_are_refused():
    assert fields(check(read_on=D(2026, 11, 2), today=D(2026, 11, 1))) == ["read_on"]
    outside = check(read_on=D(2026, 9, 30))
    assert fields(outside) == ["read_on"] and "outside the billing period" in outside.errors[0][1]
    assert fields(check(read_on=D(2026, 11, 1), today=D(2026, 11, 5))) == ["read_on"]


def test_a_second_reading_in_the_month_is_refused():
    assert fields(check(reading_in_period=True)) == ["read_on"]


def test_a_reading_dated_before_the_last_one_is_refused():
    assert fields(check(previous_read_on=D(2026, 10, 29), read_on=D(2026, 10, 28))) == ["read_on"]


@pytest.mark.parametrize(
    ("value", "average", "ceiling", "flags"),
    [
        ("130", "10", None, ()),  # 30 = 3 x average: not more
        ("131", "10", None, ("jump",)),
        ("131", None, None, ()),  # no history: nothing to compare with
        ("160", "100", "50", ("ceiling",)),
        ("200", "10", "50", ("jump", "ceiling")),
    ],
)
def test_implausible_use_is_flagged_not_refused(value, average, ceiling, flags):
    result = check(
        value=Decimal(value),
        average_monthly=Decimal(average) if average else None,
        ceiling=Decimal(ceiling) if ceiling else None,
    )
    assert result.ok and result.flags == flags

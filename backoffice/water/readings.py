"""Meter-reading checks: a pure function, no models or database.

A reading is refused when it is dated in the future or outside the billing
period it is entered for, when the meter already has a reading for that
month, or when it is lower than the meter's last reading (unless the reader
marks the meter as rolled over or replaced).  A reading that passes is
flagged for review, not refused, when the month's use is an implausible
jump (more than ``jump_factor`` times the connection's average monthly use)
or above the tariff category's ceiling."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ROLLOVER = "rollover"
METER_REPLACED = "meter_replaced"
JUMP = "jump"
CEILING = "ceiling"
READER_FLAGS = (ROLLOVER, METER_REPLACED)
DEFAULT_JUMP_FACTOR = Decimal(3)


@dataclass(frozen=True)
class ReadingInput:
    value: Decimal
    read_on: datetime.date
    today: datetime.date
    period_starts_on: datetime.date
    period_ends_on: datetime.date
    # The meter's last reading (its initial reading when there is none).
    previous_value: Decimal
    previous_read_on: datetime.date | None = None
    reading_in_period: bool = False
    rollover: bool = False
    meter_replaced: bool = False
    digits: int = 6
    average_monthly: Decimal | None = None
    ceiling: Decimal | None = None
    jump_factor: Decimal = DEFAULT_JUMP_FACTOR


@dataclass(frozen=True)
class ReadingCheck:
    errors: tuple[tuple[str, str], ...] = ()  # (field, message)
    flags: tuple[str, ...] = ()
    consumption: Decimal | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _d(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def reading_check(data: ReadingInput) -> ReadingCheck:
    """What is wrong with a reading (errors, each with its form field), what a
    reviewer should look at (flags), and the use it records."""
    errors: list[tuple[str, str]] = []
    marks = ((ROLLOVER, data.rollover), (METER_REPLACED, data.meter_replaced))
    flags: list[str] = [flag for flag, on in marks if on]
    value = Decimal(data.value)
    if value < 0:
        errors.append(("value", _("A meter reading cannot be negative.")))
    if data.rollover and data.meter_replaced:
        errors.append(("value", _("Mark the reading as a rollover or a replaced meter, not both.")))
    if data.read_on > data.today:
        errors.append(
            (
                "read_on",
                _("The reading date %(date)s is in the future.") % {"date": _d(data.read_on)},
            )
        )
    elif not (data.period_starts_on <= data.read_on <= data.period_ends_on):
        errors.append(
            (
                "read_on",
                _("The reading date %(date)s is outside the billing period (%(start)s to %(end)s).")
                % {
                    "date": _d(data.read_on),
                    "start": _d(data.period_starts_on),
                    "end": _d(data.period_ends_on),
                },
            )
        )
    if data.reading_in_period:
        errors.append(("read_on", _("This meter already has a reading for this billing period.")))
    if data.previous_read_on and data.read_on < data.previous_read_on:
        errors.append(
            (
                "read_on",
                _("The meter's last reading was taken later, on %(date)s.")
                % {"date": _d(data.previous_read_on)},
            )
        )
    previous = Decimal(data.previous_value)
    consumption: Decimal | None = None
    if data.meter_replaced:
        consumption = value  # the new dial started at zero
    elif data.rollover:
        wrap = Decimal(10) ** data.digits
        if value >= previous:
            errors.append(
                (
                    "value",
                    _("A rolled-over meter reads less than its last reading (%(previous)s m³).")
                    % {"previous": previous},
                )
            )
        elif value >= wrap:
            errors.append(("value", _("The reading has more digits than the meter's dial.")))
        else:
            consumption = wrap - previous + value
    elif value < previous:
        errors.append(
            (
                "value",
                _(
                    "The reading %(value)s m³ is lower than the last reading %(previous)s m³. "
                    "If the dial rolled over or the meter was replaced, say so."
                )
                % {"value": value, "previous": previous},
            )
        )
    else:
        consumption = value - previous
    if errors:
        return ReadingCheck(errors=tuple(errors), flags=tuple(flags), consumption=None)
    average = data.average_monthly
    if average and average > 0 and consumption > data.jump_factor * average:
        flags.append(JUMP)
    if data.ceiling is not None and consumption > data.ceiling:
        flags.append(CEILING)
    return ReadingCheck(errors=(), flags=tuple(flags), consumption=consumption)


def needs_review(flags) -> bool:
    """Readings the checks flagged wait for review; a reader's own marks
    (rollover, replaced meter) are reviewed too, being the usual way to hide
    a wrong reading."""
    return bool(set(flags))


FLAG_LABELS = {
    ROLLOVER: gettext_lazy("Dial rolled over"),
    METER_REPLACED: gettext_lazy("Meter replaced"),
    JUMP: gettext_lazy("Implausible jump"),
    CEILING: gettext_lazy("Above the category's ceiling"),
}

"""Months in a municipality's own clock, and when a month's reports are due.

Beat has no tenant and runs on one clock; the monthly job is sent to every
ready municipality every hour, and each decides with :func:`report_month_due`
whether it is the 1st of the month *there*.  So Khulna (Asia/Dhaka, UTC+6)
makes its reports at its own midnight, six hours before a municipality on
UTC would.  The whole local 1st counts, so a worker that was down at 00:05
catches up at the next hourly run; the unique (provider, month) row makes
every later run of the day a no-op."""

import datetime

from tenants.clock import municipality_zone

# The municipality's time zone (tenants.clock), by the name the reports use.
municipality_tz = municipality_zone


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_next(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_previous(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_bounds(month: datetime.date, tz: datetime.tzinfo) -> tuple[datetime.datetime, ...]:
    """[local midnight of the 1st, local midnight of the next 1st) as instants."""
    start = datetime.datetime.combine(month_start(month), datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(month_next(month), datetime.time.min, tzinfo=tz)
    return start, end


def report_month_due(now: datetime.datetime, tz: datetime.tzinfo) -> datetime.date | None:
    """The month whose reports are due at instant ``now`` where the clock is
    ``tz``: the previous month, on the local 1st; otherwise None."""
    local = now.astimezone(tz)
    if local.day != 1:
        return None
    return month_previous(local.date())

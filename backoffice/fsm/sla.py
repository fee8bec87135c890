"""Service levels per state, in the municipality's own clock.

Hours come from ``FsmConfig.sla_hours`` (state -> hours, null for no clock)
over the defaults in ``workflow.SLA_HOURS``.  Deadlines are instants
(timezone-aware); "today" and day boundaries are the municipality's
(``Municipality.timezone`` of the connection's tenant), not the server's.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import workflow
from tenants.clock import municipality_zone

# The last quarter of the allowed time is "due soon".
DUE_SOON_FRACTION = 0.25

OK = "ok"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
BANDS: dict[str, object] = {
    OK: _("On time"),
    DUE_SOON: _("Due soon"),
    OVERDUE: _("Overdue"),
}


# The municipality's time zone (tenants.clock), by the name FSM code uses.
municipality_timezone = municipality_zone


def municipality_today(now: datetime.datetime | None = None) -> datetime.date:
    """The municipality's calendar date at ``now``."""
    return timezone.localtime(now or timezone.now(), municipality_zone()).date()


def municipality_localtime(value: datetime.datetime | None = None) -> datetime.datetime:
    """An instant on the municipality's wall clock (for display and reports)."""
    return timezone.localtime(value or timezone.now(), municipality_zone())


def municipality_day_start(day: datetime.date) -> datetime.datetime:
    """Midnight starting ``day`` in the municipality (an aware instant)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=municipality_zone())


def sla_hours(config=None) -> dict[str, int | None]:
    """Hours per state for this municipality: configured values over defaults."""
    if config is None:
        from backoffice.fsm.models import FsmConfig

        config = FsmConfig.objects.first()
    hours = dict(workflow.SLA_HOURS)
    for state, value in ((config.sla_hours if config else None) or {}).items():
        if state in hours and state not in workflow.FINAL_STATES:
            hours[state] = None if value in (None, "") else int(value)
    return hours


def sla_hours_validate(value: dict) -> dict[str, int | None]:
    """Clean a submitted state -> hours mapping (for the settings form)."""
    from django.core.exceptions import ValidationError

    cleaned: dict[str, int | None] = {}
    for state, hours in (value or {}).items():
        if state not in workflow.STATES or state in workflow.FINAL_STATES:
            raise ValidationError(_("Unknown or final state: %(state)s"), params={"state": state})
        if hours in (None, ""):
            cleaned[state] = None
            continue
        try:
            number = int(hours)
        except (TypeError, ValueError):
            number = -1
        if not 1 <= number <= 24 * 365:
            raise ValidationError(_("Hours must be a whole number from 1 to 8760."))
        cleaned[state] = number
    return cleaned


def deadline(state: str, changed_at, *, hours: dict | None = None):
    """When ``state`` entered at ``changed_at`` breaches its SLA (None: no clock)."""
    allowed = (hours if hours is not None else sla_hours()).get(state)
    if allowed is None or changed_at is None:
        return None
    return changed_at + datetime.timedelta(hours=allowed)


@dataclass(frozen=True)
class Due:
    band: str  # OK, DUE_SOON or OVERDUE; "" when no clock runs
    deadline: datetime.datetime | None

    @property
    def label(self) -> str:
        return str(BANDS.get(self.band, ""))


def due(state: str, changed_at, *, now=None, hours: dict | None = None) -> Due:
    """The inbox colour band: overdue past the deadline, due soon in its last 25%."""
    hours = hours if hours is not None else sla_hours()
    limit = deadline(state, changed_at, hours=hours)
    if limit is None:
        return Due("", None)
    now = now or timezone.now()
    if now >= limit:
        return Due(OVERDUE, limit)
    soon_from = limit - datetime.timedelta(hours=hours[state] * DUE_SOON_FRACTION)
    return Due(DUE_SOON if now >= soon_from else OK, limit)


def application_due(application, *, now=None, hours: dict | None = None) -> Due:
    return due(application.state, application.state_changed_at, now=now, hours=hours)

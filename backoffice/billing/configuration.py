"""Writes behind the staff billing screens that are not part of a run:
billing periods and tax rates.  Each is one transaction with its audit row
(the run's own services are in services.py)."""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.billing.models import BillingPeriod, TaxRate
from tenants.audit.services import audit_event_record
from tenants.permissions import user_has_role

PERIOD_ROLES = ("revenue_chief", "revenue_collector", "municipal_admin")
RATE_EDITORS = ("revenue_chief", "municipal_admin")
RATE_FIELDS = (
    "holding_tax_pct",
    "conservancy_pct",
    "lighting_pct",
    "water_pct",
    "rebate_pct",
    "surcharge_pct",
    "exempt",
)
DUE_DAYS_AFTER_START = 30  # the default due date: a month into the quarter


def quarter_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date, datetime.date]:
    """The quarter's first and last day and a default due date."""
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    starts_on = datetime.date(year, first_month, 1)
    ends_on = datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return starts_on, ends_on, starts_on + datetime.timedelta(days=DUE_DAYS_AFTER_START)


@transaction.atomic
def billing_period_create(
    *,
    actor,
    year: int,
    quarter: int,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    due_on: datetime.date | None = None,
) -> BillingPeriod:
    """A quarter to bill; dates left out follow from the quarter."""
    if not user_has_role(actor, PERIOD_ROLES):
        raise PermissionDenied(_("Only revenue staff open a billing period."))
    default_start, default_end, default_due = quarter_dates(year, quarter)
    period = BillingPeriod(
        year=year,
        quarter=quarter,
        starts_on=starts_on or default_start,
        ends_on=ends_on or default_end,
        due_on=due_on or default_due,
    )
    if period.ends_on < period.starts_on:
        raise ValidationError({"ends_on": _("The period cannot end before it starts.")})
    if period.due_on < period.starts_on:
        raise ValidationError({"due_on": _("The due date cannot be before the period starts.")})
    period.full_clean()
    period.save()
    audit_event_record(
        actor=actor,
        action="billing.period_created",
        obj=period,
        data={
            "period": str(period),
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "due_on": period.due_on.isoformat(),
        },
    )
    return period


@transaction.atomic
def tax_rate_save(*, actor, holding_type: str, **values) -> TaxRate:
    """Create or change the rates of one holding type; the audit row keeps
    each changed field's old and new value (nothing when nothing changed).
    Issued bills keep the rates they were made with."""
    if not user_has_role(actor, RATE_EDITORS):
        raise PermissionDenied(_("Only the revenue chief or the municipal admin set tax rates."))
    unknown = set(values) - set(RATE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rate field(s): {sorted(unknown)}")
    rate = TaxRate.objects.select_for_update().filter(holding_type=holding_type).first()
    created = rate is None
    if created:
        rate = TaxRate(holding_type=holding_type)
    changes = {}
    for name, value in values.items():
        old = getattr(rate, name)
        if name != "exempt":
            value = Decimal(value)
        if created or old != value:
            changes[name] = [None if created else str(old), str(value)]
        setattr(rate, name, value)
    rate.full_clean()
    if not changes and not created:
        return rate
    rate.save()
    audit_event_record(
        actor=actor,
        action="billing.tax_rate_created" if created else "billing.tax_rate_changed",
        obj=rate,
        data={"holding_type": holding_type, "changes": changes},
    )
    return rate

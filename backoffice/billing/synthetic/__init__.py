"""Synthetic billing for the synthetic city (a step of the registry's
generator, listed in ``settings.IMIS_SYNTHETIC_STEPS``): tax rates for the
holding types that have none, and the four quarters before the
generation's one, each prepared, approved and issued through the real
services (``bill_run_prepare``, ``bill_run_approve``, ``bill_run_issue``),
with payments for a plausible share of the bills made between one run and
the next, so every run's arrears are what the previous one left unpaid.

Payments belong to the payments app (which depends on billing): its
``bill_payments_make`` is reached by dotted path in
``settings.IMIS_SYNTHETIC_BILL_PAYMENTS`` (empty: no payments), not
imported.  Deterministic by seed: bill numbers follow the holding codes,
and the payments draw from an md5 of the seed and the bill number.  Runs in
the generator's one transaction (each ward's issue is a savepoint)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from backoffice.billing.models import Bill, BillingPeriod, BillRun, TaxRate
from backoffice.registry.synthetic import Generation
from tenants.audit.services import audit_event_record
from tenants.clock import municipality_zone

QUARTERS = 4

_P = Decimal
# holding type: (holding tax, conservancy, lighting, water, rebate, surcharge) in %
DEFAULT_RATES = {
    "residential": (_P(7), _P(7), _P(3), _P(0), _P(10), _P(5)),
    "commercial": (_P(10), _P(7), _P(3), _P(0), _P(10), _P(5)),
    "mixed": (_P(8), _P(7), _P(3), _P(0), _P(10), _P(5)),
    "industrial": (_P(10), _P(7), _P(3), _P(0), _P(5), _P(5)),
    "government": (_P(7), _P(7), _P(3), _P(0), _P(0), _P(0)),
}
EXEMPT_TYPES = ("religious",)


def rates_default() -> int:
    """Tax rates for the holding types without one; returns how many were added."""
    have = set(TaxRate.objects.values_list("holding_type", flat=True))
    rows = [
        TaxRate(
            holding_type=kind,
            holding_tax_pct=ht,
            conservancy_pct=co,
            lighting_pct=li,
            water_pct=wa,
            rebate_pct=rebate,
            surcharge_pct=surcharge,
        )
        for kind, (ht, co, li, wa, rebate, surcharge) in DEFAULT_RATES.items()
        if kind not in have
    ]
    rows += [TaxRate(holding_type=kind, exempt=True) for kind in EXEMPT_TYPES if kind not in have]
    TaxRate.objects.bulk_create(rows)
    return len(rows)


def quarters_before(day: datetime.date, count: int = QUARTERS) -> list[tuple[int, int]]:
    """The ``count`` whole quarters before ``day``'s, oldest first."""
    year, quarter = day.year, (day.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        out.append((year, quarter))
    return out[::-1]


def period_for(year: int, quarter: int) -> BillingPeriod:
    """A quarter, due on its last day (the rebate window is the quarter)."""
    starts_on = datetime.date(year, 3 * quarter - 2, 1)
    after = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    )
    ends_on = after - datetime.timedelta(days=1)
    return BillingPeriod.objects.create(
        year=year, quarter=quarter, starts_on=starts_on, ends_on=ends_on, due_on=ends_on
    )


def _approve(run: BillRun, chief) -> BillRun:
    from backoffice.billing.services import bill_run_approve

    if chief is not None:
        return bill_run_approve(actor=chief, run=run)
    # A new municipality may have no revenue chief yet: the generator approves,
    # and the audit trail says so.
    run.state, run.approved_at = BillRun.State.APPROVED, timezone.now()
    run.save(update_fields=["state", "approved_at"])
    audit_event_record(
        actor=None, action="billing.run_approved", obj=run, data={"by": "synthetic generator"}
    )
    return run


def billing_step(gen: Generation) -> None:
    from backoffice.billing.services import bill_run_issue, bill_run_prepare

    _leftovers_clear(gen)
    zone = municipality_zone()
    now = datetime.datetime.fromisoformat(gen.now)
    today = now.astimezone(zone).date()
    added = rates_default()
    if added:
        gen.notes.append(f"added default tax rates for {added} holding types")
    chief = (
        get_user_model()
        .objects.filter(groups__name="revenue_chief", is_active=True)
        .order_by("pk")
        .first()
    )
    path = getattr(settings, "IMIS_SYNTHETIC_BILL_PAYMENTS", "")
    payments_make = import_string(path) if path else None
    bills = payments = 0
    with timezone.override(zone):
        for year, quarter in quarters_before(today):
            run = bill_run_prepare(actor=None, period=period_for(year, quarter))
            run = bill_run_issue(run_id=_approve(run, chief).pk)
            bills += run.bill_count
            if payments_make is not None:
                payments += payments_make(
                    cursor=gen.cursor, run_id=run.pk, seed=gen.seed, now=now, tz=zone.key
                )
            # The next run's arrears look up these bills (and payments).
            gen.cursor.execute("ANALYZE billing_bill")
            if payments_make is not None:
                gen.cursor.execute("ANALYZE payments_payment")
    gen.counts[Bill._meta.label] = bills
    if payments_make is not None:
        gen.counts["payments.Payment"] = payments


def _leftovers_clear(gen: Generation) -> None:
    """Periods and runs left from an earlier city (its bills went with its
    holdings) would clash with the new quarters: they go, with a note."""
    if not BillingPeriod.objects.exists():
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in (Bill, BillRun, BillingPeriod)
    )
    gen.cursor.execute(f"TRUNCATE {tables} CASCADE")
    gen.notes.append("removed the bill runs left from an earlier city")


# What --replace empties besides the registry (bills, exemptions and
# payments go by CASCADE with the holdings).
billing_step.truncates = ("billing.BillRun", "billing.BillingPeriod")

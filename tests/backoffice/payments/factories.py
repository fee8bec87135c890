"""Issued bills to pay, made directly (the billing suite tests issuing)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from backoffice.billing.models import Bill, BillingPeriod, BillRun
from backoffice.registry.models import Holding
from tests.backoffice.registry.factories import holding_make, wards_make

YEAR = 2031


def bill_make(
    code: str = "01-077-0001-00", total=Decimal("1500.00"), quarter: int = 1, rebate=Decimal("0")
) -> Bill:
    wards_make(1)
    period, _ = BillingPeriod.objects.get_or_create(
        year=YEAR,
        quarter=quarter,
        defaults={
            "starts_on": datetime.date(YEAR, 3 * quarter - 2, 1),
            "ends_on": datetime.date(YEAR, 3 * quarter, 28),
            "due_on": datetime.date(YEAR, 3 * quarter, 28),
        },
    )
    run, _ = BillRun.objects.get_or_create(
        period=period, defaults={"state": BillRun.State.ISSUED, "prepared_at": timezone.now()}
    )
    period.last_number += 1
    period.save(update_fields=["last_number"])
    holding = Holding.objects.filter(code=code).first() or holding_make(None, code=code)
    return Bill.objects.create(
        run=run,
        holding=holding,
        number=f"{YEAR}-Q{quarter}-{period.last_number:06d}",
        annual_value=holding.annual_value,
        lines=[{"code": "holding_tax", "amount": str(total)}],
        total=Decimal(total),
        rebate=Decimal(rebate),
        due_on=period.due_on,
        issued_at=timezone.now(),
    )

"""Issued bills to pay, made directly (the billing suite tests issuing)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from backoffice.billing.models import Bill, BillingPeriod, BillRun
from backoffice.registry.models import Holding
from tests.backoffice.registry.factories import building_make, holding_make, wards_make

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


def water_bill_make(total=Decimal("850.00"), month: int = 10) -> "WaterBill":  # noqa: F821
    """An issued water bill of a metered domestic connection, made directly
    (the water suite tests issuing)."""
    from backoffice.water.models import TariffCategory, WaterBill, WaterBillRun
    from tests.backoffice.water.factories import connection_make, period_make, tariffs_make

    wards_make(1)
    domestic = TariffCategory.objects.filter(code="domestic").first() or tariffs_make()["domestic"]
    n = WaterBill.objects.count() + 1
    code = f"01-066-{n:04d}-00"
    building = building_make(None, ward=1, index=900 + n)
    holding = Holding.objects.filter(code=code).first() or holding_make(
        None, code=code, buildings=[building]
    )
    connection = connection_make(holding=holding, category=domestic, building=building)
    period = period_make(year=YEAR, month=month)
    run, _ = WaterBillRun.objects.get_or_create(
        period=period,
        defaults={"state": WaterBillRun.State.ISSUED, "prepared_at": timezone.now()},
    )
    period.last_number += 1
    period.save(update_fields=["last_number"])
    return WaterBill.objects.create(
        run=run,
        connection=connection,
        number=f"W{YEAR}{month:02d}-{period.last_number:06d}",
        category="domestic",
        metered=True,
        consumption=Decimal("12.000"),
        lines=[{"code": "slab", "amount": str(total)}],
        total=Decimal(total),
        due_on=period.ends_on,
        issued_at=timezone.now(),
    )

"""The issue SQL repeats calculation.py's arithmetic; the two must agree to
the paisa, rounding ties included, for current charges, arrears, surcharge
and rebate, and on which holdings an exemption frees."""

import datetime
import random
from decimal import Decimal

from django_tenants.utils import schema_context

from backoffice.billing import services
from backoffice.billing.calculation import quarterly_charges
from backoffice.billing.exemptions import exemption_covers, exemption_grant
from backoffice.billing.models import Bill, TaxRate
from tests.backoffice.billing.test_services import approved_run
from tests.backoffice.registry.factories import holding_make, wards_make
from tests.conftest import staff_user


def test_sql_and_python_agree(tenant_a):
    rng = random.Random(6)
    with schema_context(tenant_a.schema_name):
        wards_make()
        rate = TaxRate.objects.create(
            holding_type="mixed",
            holding_tax_pct=Decimal("7.125"),
            conservancy_pct=Decimal("6.875"),
            lighting_pct=Decimal("2.333"),
            water_pct=Decimal("0.005"),
            rebate_pct=Decimal("9.999"),
            surcharge_pct=Decimal("12.5"),
        )
        exempt = TaxRate.objects.create(holding_type="religious", exempt=True)
        holding_make(None, code="01-003-0001-00", holding_type="religious")
        values = [Decimal("10.10"), Decimal("0.01"), Decimal("99999999.99"), Decimal("0")]
        values += [Decimal(rng.randrange(0, 10**9)) / 100 for _ in range(8)]
        holdings = [
            holding_make(None, code=f"01-002-{i:04d}-00", holding_type="mixed", annual_value=value)
            for i, value in enumerate(values)
        ]
        chief = staff_user(tenant_a, "revenue_chief")
        for holding, starts_on, ends_on in (
            (holdings[2], datetime.date(2026, 9, 28), None),  # the last day of Q3 on
            (holdings[5], datetime.date(2026, 1, 1), datetime.date(2026, 9, 30)),  # Q3 only
            (holdings[6], datetime.date(2026, 10, 2), datetime.date(2026, 10, 2)),  # a Q4 day
        ):
            exemption_grant(
                actor=chief, holding=holding, reason="other", starts_on=starts_on, ends_on=ends_on
            )
        for quarter in (3, 4):  # the second run carries the first's totals as arrears
            run = approved_run(tenant_a, quarter=quarter)
            services.bill_run_issue(run_id=run.pk)
            arrears = {}
            if quarter == 4:
                arrears = dict(
                    Bill.objects.filter(run__period__quarter=3).values_list("holding_id", "total")
                )
            assert Bill.objects.filter(run=run).count() == len(values) + 1
            period, freed = run.period, set()
            for bill in Bill.objects.filter(run=run).select_related("holding"):
                free = exemption_covers(
                    bill.holding_id, starts_on=period.starts_on, ends_on=period.ends_on
                )
                if free:
                    freed.add(bill.holding_id)
                expected = quarterly_charges(
                    exempt=free,
                    annual_value=bill.holding.annual_value,
                    rates=services.rates_of(exempt if bill.holding.code[3:6] == "003" else rate),
                    arrears=arrears.get(bill.holding_id, Decimal("0")),
                )
                assert bill.lines == expected.lines_json(), bill.holding.code
                assert (bill.arrears, bill.surcharge, bill.rebate, bill.total) == (
                    expected.arrears,
                    expected.surcharge,
                    expected.rebate,
                    expected.total,
                ), bill.holding.code
            assert freed == {holdings[2].pk, holdings[5 if quarter == 3 else 6].pk}
            # The run's review figures are the sum of its bills' current charges.
            current = sum(
                (Decimal(line["amount"]) for b in Bill.objects.filter(run=run) for line in b.lines),
                Decimal("0"),
            )
            assert run.total == current

"""The issue SQL bills exactly what tariffs.monthly_charges computes: lines
(layout, rounding), meter rent, arrears and total, for random tariffs and
uses, metered and flat-rate, over two runs (so arrears are carried)."""

import datetime
import random
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.water import runs, services
from backoffice.water.models import Reading, TariffCategory, WaterBill
from backoffice.water.tariffs import monthly_charges
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.backoffice.water.factories import period_make
from tests.conftest import staff_user

D = datetime.date


def _categories(actor, rnd: random.Random) -> list[TariffCategory]:
    made = []
    for index in range(4):
        category = services.tariff_category_save(
            actor=actor,
            code=f"cat{index}",
            name_en=f"Category {index}",
            name_bn=f"শ্রেণি {index}",
            minimum_charge=Decimal(rnd.randint(0, 40000)) / 100,
            meter_rent=Decimal(rnd.choice([0, 0, rnd.randint(1, 9000)])) / 100,
            flat_rate=Decimal(rnd.randint(0, 200000)) / 100,
        )
        if index < 3:  # the fourth has no slabs: minimum and rent only
            bounds = sorted(
                {Decimal(rnd.randint(1, 80000)) / 1000 for _ in range(rnd.randint(0, 4))}
            )
            rates = [Decimal(rnd.randint(0, 9999)) / 100 for _ in range(len(bounds) + 1)]
            services.tariff_slabs_set(
                actor=actor,
                category=category,
                slabs=[*zip(bounds, rates[:-1], strict=True), (None, rates[-1])],
            )
        made.append(category)
    return made


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_sql_bills_match_the_python_tariff(which, request):
    tenant = request.getfixturevalue(which)
    rnd = random.Random(f"water-{which}")
    with schema_context(tenant.schema_name):
        officer = staff_user(tenant, "water_officer")
        chief = staff_user(tenant, "revenue_chief")
        wards_make(2)
        categories = _categories(officer, rnd)
        connections = []
        for n in range(24):
            ward = 1 + n % 2
            building = building_make(officer, ward=ward, index=n)
            holding = holding_make(officer, code=f"{ward:02d}-002-{n:04d}-00", buildings=[building])
            metered = n % 5 != 0
            connections.append(
                services.connection_create(
                    actor=officer,
                    holding=holding,
                    category=categories[n % 4],
                    size_mm=15,
                    metered=metered,
                    meter_serial=f"S{n}" if metered else "",
                    connected_on=D(2026, 1, 1),
                )
            )
        for month in (9, 10):
            period = period_make(2026, month)
            rows = []
            for conn in connections:
                meter = conn.meters.filter(active=True).first()
                if meter is None or rnd.random() < 0.15:
                    continue  # flat rate, or no reading this month: minimum charge
                use = Decimal(rnd.randint(0, 120000)) / 1000
                rows.append(
                    Reading(meter=meter, period=period, read_on=D(2026, month, 20), value=use,
                            consumption=use, status=Reading.Status.ACCEPTED)
                )  # fmt: skip
            Reading.objects.bulk_create(rows)
            run = runs.water_run_prepare(actor=officer, period=period)
            runs.water_run_approve(actor=chief, run=run)
            run = runs.water_run_issue(run_id=run.pk)
            used = runs.period_consumption(period)
            previous = {}
            if month == 10:
                previous = dict(
                    WaterBill.objects.filter(run__period__month=9).values_list(
                        "connection_id", "total"
                    )
                )
            bills = WaterBill.objects.filter(run=run).select_related("connection__category")
            assert bills.count() == len(connections)
            prepared_total = Decimal(0)
            for bill in bills:
                conn = bill.connection
                expected = monthly_charges(
                    tariff=services.tariff_of(conn.category),
                    metered=conn.metered,
                    consumption=used.get(conn.pk, Decimal(0)) if conn.metered else Decimal(0),
                    arrears=previous.get(conn.pk, Decimal(0)),
                )
                assert bill.lines == expected.lines_json(), conn.number
                assert bill.consumption == expected.consumption
                assert bill.meter_rent == expected.meter_rent
                assert bill.arrears == expected.arrears and bill.total == expected.total
                prepared_total += expected.current
            assert run.total == prepared_total  # the review figures are the bills' current charges

"""Small water-supply fixtures inside a tenant: two categories with slabs
and fees, periods, connections on registry holdings."""

import datetime
from decimal import Decimal

from backoffice.water import services
from backoffice.water.models import TariffCategory, WaterBillingPeriod
from tests.backoffice.registry.factories import building_make, holding_make, wards_make


def tariffs_make(actor=None) -> dict[str, TariffCategory]:
    domestic = services.tariff_category_save(
        actor=actor,
        code="domestic",
        name_en="Domestic",
        name_bn="গৃহস্থালি",
        minimum_charge=Decimal("60"),
        meter_rent=Decimal("25"),
        flat_rate=Decimal("300"),
        ceiling_m3=Decimal("100"),
        order=1,
    )
    services.tariff_slabs_set(
        actor=actor,
        category=domestic,
        slabs=[(Decimal("10"), Decimal("8.50")), (Decimal("30"), Decimal("11")), (None, "15")],
    )
    commercial = services.tariff_category_save(
        actor=actor,
        code="commercial",
        name_en="Commercial",
        name_bn="বাণিজ্যিক",
        minimum_charge=Decimal("250"),
        meter_rent=Decimal("50"),
        flat_rate=Decimal("1200"),
        ceiling_m3=Decimal("500"),
        order=2,
    )
    services.tariff_slabs_set(
        actor=actor, category=commercial, slabs=[(Decimal("50"), "20"), (None, "28")]
    )
    for category in (domestic, commercial):
        for size, fee in ((15, "3000"), (20, "5000"), (25, "8000")):
            services.connection_fee_set(
                actor=actor, category=category, size_mm=size, amount=Decimal(fee)
            )
    return {"domestic": domestic, "commercial": commercial}


def period_make(year=2026, month=10, actor=None) -> WaterBillingPeriod:
    found = WaterBillingPeriod.objects.filter(year=year, month=month).first()
    return found or services.period_create(actor=actor, year=year, month=month)


def connection_make(actor=None, *, holding, category, metered=True, serial=None, **fields):
    return services.connection_create(
        actor=actor,
        holding=holding,
        category=category,
        size_mm=fields.pop("size_mm", 15),
        metered=metered,
        meter_serial=serial or (f"M-{holding.code}" if metered else ""),
        connected_on=fields.pop("connected_on", datetime.date(2026, 1, 5)),
        **fields,
    )


def water_sample(actor=None, prefix="01", wards=2, per_ward=2) -> dict:
    """``wards`` x ``per_ward`` holdings with a building each; the first of
    each ward metered domestic, the second commercial (metered), and one
    flat-rate domestic connection in ward 1."""
    wards_make(max(wards, 1))
    tariffs = tariffs_make(actor)
    connections = []
    index = 0
    for ward in range(1, wards + 1):
        for n in range(1, per_ward + 1):
            building = building_make(actor, ward=ward, index=index)
            index += 1
            holding = holding_make(
                actor, code=f"{ward:02d}-0{prefix}-{n:04d}-00", buildings=[building]
            )
            category = tariffs["domestic"] if n % 2 else tariffs["commercial"]
            connections.append(
                connection_make(actor, holding=holding, category=category, building=building)
            )
    building = building_make(actor, ward=1, index=index)
    flat_holding = holding_make(actor, code=f"01-0{prefix}-0900-00", buildings=[building])
    flat = connection_make(actor, holding=flat_holding, category=tariffs["domestic"], metered=False)
    return {"tariffs": tariffs, "connections": connections, "flat": flat}

"""Issued water bills for the PDF, verification and API tests: one owned
holding with a metered domestic connection read in October (35.5 m³) and
November (40.5 m³), and a flat-rate connection; October and November runs
issued (November carries October's 412.50 as arrears)."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from backoffice.registry import services as registry
from backoffice.water import runs, services
from backoffice.water.models import WaterBill
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
from tests.backoffice.water.factories import connection_make, period_make, tariffs_make
from tests.conftest import staff_user

OWNER_EN, OWNER_BN, OWNER_PHONE = "Karim Uddin", "করিম উদ্দিন", "01812345678"
HOLDING = "01-001-0007-00"


def _read(officer, connection, month: int, value: str) -> None:
    services.reading_record(
        actor=officer,
        meter=connection.meters.get(active=True),
        period=period_make(2026, month),
        read_on=datetime.date(2026, month, 27),
        value=Decimal(value),
        today=datetime.date(2026, 12, 31),
    )


def _issue(tenant, officer, month: int):
    run = runs.water_run_prepare(actor=officer, period=period_make(2026, month))
    runs.water_run_approve(actor=staff_user(tenant, "revenue_chief"), run=run)
    return runs.water_run_issue(run_id=run.pk)


def water_bills_issued(tenant) -> dict:
    """Inside ``tenant``'s schema (see the module's docstring)."""
    officer = staff_user(tenant, "water_officer")
    wards_make()
    tariffs = tariffs_make(officer)
    building = building_make(officer, ward=1, index=0)
    owner = registry.owner_create(actor=None, name_en=OWNER_EN, name_bn=OWNER_BN, phone=OWNER_PHONE)
    home = holding_make(officer, code=HOLDING, buildings=[building], owners=[owner])
    metered = connection_make(
        officer, holding=home, category=tariffs["domestic"], building=building
    )
    other = building_make(officer, ward=1, index=1)
    flat_holding = holding_make(officer, code="01-001-0900-00", buildings=[other])
    flat = connection_make(
        officer, holding=flat_holding, category=tariffs["domestic"], metered=False
    )
    _read(officer, metered, 10, "35.5")
    _issue(tenant, officer, 10)
    _read(officer, metered, 11, "40.5")
    _issue(tenant, officer, 11)
    bills = WaterBill.objects.filter(connection=metered)
    return {
        "home": home,
        "building": building,
        "metered": metered,
        "flat": flat,
        "october": bills.get(run__period__month=10),
        "november": bills.get(run__period__month=11),
        "flat_bill": WaterBill.objects.get(connection=flat, run__period__month=11),
    }


@pytest.fixture
def water_a(tenant_a, settings, tmp_path):
    """The sample in the first municipality (PDFs cached in a temporary
    folder, the verification page's throttle counters cleared)."""
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    cache.clear()
    with schema_context(tenant_a.schema_name):
        sample = water_bills_issued(tenant_a)
    yield sample
    cache.clear()

"""Fee slabs: boundaries, specificity, rounding, per-municipality tables."""

import importlib
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from hypothesis import given
from hypothesis import strategies as st

from backoffice.fsm import fees
from backoffice.fsm.models import FeeSlab
from tests.backoffice.registry.factories import building_make, holding_make, wards_make

D = Decimal


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        wards_make(1)
        yield


def test_every_municipality_gets_the_default_table(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            assert FeeSlab.objects.count() == 9


@pytest.mark.parametrize(
    "volume,trips,amount",
    [
        ("0", 1, "1500.00"),
        ("2.99", 1, "1500.00"),
        ("3", 1, "2500.00"),  # the band's lower bound belongs to it
        ("5.99", 1, "2500.00"),
        ("6", 1, "3500.00"),
        ("7.5", 1, "4100.00"),  # 3500 + 400 x 1.5
        ("7.5", 3, "6100.00"),  # two extra trips at 1000
        (None, None, "1500.00"),  # nothing known: smallest band, one trip
    ],
)
def test_residential_bands(in_a, volume, trips, amount):
    building = building_make()
    estimate = fees.fee_estimate(
        building=building, volume_m3=None if volume is None else D(volume), trips=trips
    )
    assert estimate.amount == D(amount)
    assert estimate.slab.property_type == "residential"
    assert estimate.explanation.startswith("Base fee")


@pytest.mark.parametrize(
    "volume,amount", [("2", "500.00"), ("3", "1000.00"), ("6", "1500.00"), ("8", "1800.00")]
)
def test_low_income_from_the_building_wins_over_the_property_type(in_a, volume, amount):
    slum = building_make(low_income=True)
    estimate = fees.fee_estimate(building=slum, volume_m3=D(volume))
    assert estimate.amount == D(amount) and estimate.slab.low_income is True
    assert "low-income" in estimate.explanation
    # Explicit flag overrides the registry.
    assert (
        fees.fee_estimate(building=slum, volume_m3=D(volume), low_income=False).slab.low_income
        is not True
    )


def test_holding_type_beats_building_use(in_a):
    shop = building_make(use="commercial")
    home = holding_make(buildings=[shop])  # a residential holding in a commercial building
    assert fees.fee_estimate(holding=home, volume_m3=D("1")).amount == D("1500.00")
    assert fees.fee_estimate(building=shop, volume_m3=D("1")).amount == D("3000.00")


def test_rounding_is_half_up_to_the_paisa(in_a):
    slab = FeeSlab(
        property_type="",
        low_income=None,
        min_volume_m3=D("0"),
        base_amount=D("100"),
        per_m3_amount=D("0.01"),
    )
    estimate = fees.fee_estimate(volume_m3=D("0.5"), slabs=[slab])  # 100 + 0.005
    assert estimate.amount == D("100.01")
    assert fees.money(D("2.345")) == D("2.35") and fees.money(D("2.344")) == D("2.34")


def test_no_slab_means_no_amount(in_a):
    FeeSlab.objects.all().delete()
    estimate = fees.fee_estimate(volume_m3=D("2"))
    assert estimate.amount is None and estimate.slab is None and estimate.explanation


def test_inactive_slabs_are_ignored_and_tables_are_per_municipality(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        FeeSlab.objects.filter(property_type="residential").update(active=False)
        wards_make(1)
        building = building_make()
        # Falls back to the any-type table.
        assert fees.fee_estimate(building=building, volume_m3=D("1")).amount == D("3000.00")
    with schema_context(tenant_b.schema_name):
        assert FeeSlab.objects.filter(property_type="residential", active=True).count() == 3


def test_containment_volume_and_buildings_are_used(in_a):
    from backoffice.fsm import services
    from backoffice.fsm.models import ContainmentType

    slum = building_make(low_income=True)
    containment = services.containment_create(
        actor=None,
        containment_type=ContainmentType.objects.get(code="unlined_pit"),
        volume_m3=D("4"),
        responsible_building=slum,
    )
    assert fees.fee_estimate(containment=containment).amount == D("1000.00")


def _default_table() -> list[FeeSlab]:
    seed = importlib.import_module(
        "backoffice.fsm.migrations.0003_application_details_history_fees"
    )
    return [
        FeeSlab(
            property_type=kind,
            low_income=low,
            min_volume_m3=D(a),
            max_volume_m3=None if b is None else D(b),
            base_amount=D(base),
            per_m3_amount=D(m3),
            per_extra_trip_amount=D(trip),
        )
        for kind, low, a, b, base, m3, trip in seed.FEE_SLABS
    ]


_volumes = st.decimals(min_value=0, max_value=50, places=2)


@given(
    kind=st.sampled_from(["residential", "commercial", "mixed", ""]),
    low_income=st.booleans(),
    volumes=st.tuples(_volumes, _volumes),
    trips=st.tuples(st.integers(1, 6), st.integers(1, 6)),
)
def test_the_default_table_never_charges_less_for_more(kind, low_income, volumes, trips):
    table = _default_table()

    class Holding:
        holding_type = kind

    def fee(volume, count):
        return fees.fee_estimate(
            holding=Holding(), volume_m3=volume, trips=count, low_income=low_income, slabs=table
        ).amount

    (v1, v2), (t1, t2) = sorted(volumes), sorted(trips)
    assert fee(v1, t1) <= fee(v2, t1) <= fee(v2, t2)
    assert fee(v1, t1) > 0
    if low_income:
        assert (
            fee(v2, t2)
            <= fees.fee_estimate(
                holding=Holding(), volume_m3=v2, trips=t2, low_income=False, slabs=table
            ).amount
        )

"""Slab arithmetic: worked examples and properties (hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.water.tariffs import Slab, Tariff, monthly_charges

DOMESTIC = Tariff(
    slabs=(
        Slab(Decimal("10"), Decimal("8.50")),
        Slab(Decimal("30"), Decimal("11")),
        Slab(None, Decimal("15")),
    ),
    minimum_charge=Decimal("60"),
    meter_rent=Decimal("25"),
    flat_rate=Decimal("300"),
)


def amounts(charges):
    return [(line["code"], line["amount"]) for line in charges.lines]


def test_use_spreads_over_the_slabs_in_order():
    charges = monthly_charges(tariff=DOMESTIC, metered=True, consumption=Decimal("35.5"))
    assert amounts(charges) == [
        ("slab", "85.00"),  # 10 x 8.50
        ("slab", "220.00"),  # 20 x 11
        ("slab", "82.50"),  # 5.5 x 15
        ("meter_rent", "25.00"),
    ]
    assert charges.lines[2]["from"] == "30.000" and charges.lines[2]["to"] is None
    assert charges.total == Decimal("412.50") and charges.meter_rent == Decimal("25.00")


def test_small_use_is_topped_up_to_the_minimum_charge():
    charges = monthly_charges(tariff=DOMESTIC, metered=True, consumption=Decimal("3"))
    assert amounts(charges) == [("slab", "25.50"), ("minimum", "34.50"), ("meter_rent", "25.00")]
    none = monthly_charges(tariff=DOMESTIC, metered=True, consumption=Decimal("0"))
    assert amounts(none) == [("minimum", "60.00"), ("meter_rent", "25.00")]


def test_flat_rate_connections_pay_the_flat_rate_whatever_they_use():
    charges = monthly_charges(
        tariff=DOMESTIC, metered=False, consumption=Decimal("99"), arrears=Decimal("300")
    )
    assert amounts(charges) == [("flat", "300.00")]
    assert charges.total == Decimal("600.00") and charges.consumption == 0


def test_the_last_slab_is_open_whatever_its_bound():
    tariff = Tariff(slabs=(Slab(Decimal("10"), Decimal("2")), Slab(Decimal("20"), Decimal("3"))))
    charges = monthly_charges(tariff=tariff, metered=True, consumption=Decimal("50"))
    assert amounts(charges) == [("slab", "20.00"), ("slab", "120.00")]


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        monthly_charges(tariff=DOMESTIC, metered=True, consumption=Decimal("-1"))
    with pytest.raises(ValueError):
        monthly_charges(tariff=DOMESTIC, metered=True, arrears=Decimal("-1"))


money = st.decimals(min_value=0, max_value=5000, places=2)
use = st.decimals(min_value=0, max_value=100000, places=3)


@st.composite
def tariffs(draw):
    bounds = sorted(set(draw(st.lists(st.integers(1, 2000), min_size=0, max_size=5))))
    rates = draw(
        st.lists(
            st.decimals(min_value=0, max_value=200, places=2),
            min_size=len(bounds) + 1,
            max_size=len(bounds) + 1,
        )
    )
    slabs = tuple(Slab(Decimal(b), r) for b, r in zip(bounds, rates, strict=False)) + (
        Slab(None, rates[-1]),
    )
    return Tariff(
        slabs=slabs, minimum_charge=draw(money), meter_rent=draw(money), flat_rate=draw(money)
    )


@settings(max_examples=300, deadline=None)
@given(tariff=tariffs(), consumption=use, arrears=money, metered=st.booleans())
def test_the_total_is_the_sum_of_the_lines_plus_arrears(tariff, consumption, arrears, metered):
    charges = monthly_charges(
        tariff=tariff, metered=metered, consumption=consumption, arrears=arrears
    )
    assert charges.total == sum(Decimal(x["amount"]) for x in charges.lines) + arrears
    assert all(Decimal(x["amount"]) >= 0 for x in charges.lines)
    if metered:
        assert charges.current >= tariff.minimum_charge + tariff.meter_rent
        slab_m3 = sum(Decimal(x["m3"]) for x in charges.lines if x["code"] == "slab")
        assert slab_m3 == consumption  # every m³ is charged in exactly one slab


@settings(max_examples=300, deadline=None)
@given(tariff=tariffs(), a=use, b=use)
def test_more_use_never_costs_less(tariff, a, b):
    low, high = sorted((a, b))
    cheap = monthly_charges(tariff=tariff, metered=True, consumption=low)
    dear = monthly_charges(tariff=tariff, metered=True, consumption=high)
    assert cheap.total <= dear.total


@settings(max_examples=200, deadline=None)
@given(tariff=tariffs(), data=st.data())
def test_at_a_slab_boundary_one_more_m3_is_charged_at_the_next_rate(tariff, data):
    bounded = list(tariff.ordered_slabs()[:-1])
    if not bounded:
        return
    index = data.draw(st.integers(0, len(bounded) - 1))
    bound = bounded[index].upto
    no_minimum = Tariff(slabs=tariff.slabs)
    at = monthly_charges(tariff=no_minimum, metered=True, consumption=bound)
    over = monthly_charges(tariff=no_minimum, metered=True, consumption=bound + Decimal("1"))
    slab_lines = [x for x in at.lines if x["code"] == "slab"]
    assert slab_lines and slab_lines[-1]["to"] == str(bound.quantize(Decimal("0.001")))
    next_rate = tariff.ordered_slabs()[index + 1].rate
    assert over.total - at.total == next_rate  # one m³ at the next slab's rate

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.billing.calculation import COMPONENTS, Rates, money, quarterly_charges

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
percents = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False)
rates_st = st.builds(
    Rates,
    holding_tax=percents,
    conservancy=percents,
    lighting=percents,
    water=percents,
    rebate=percents,
    surcharge=percents,
    exempt=st.booleans(),
)


@given(annual_value=amounts, rates=rates_st, arrears=amounts)
def test_lines_add_up_and_nothing_is_negative(annual_value, rates, arrears):
    c = quarterly_charges(annual_value=annual_value, rates=rates, arrears=arrears)
    assert [code for code, _ in c.lines] == list(COMPONENTS)
    assert c.total == c.current + c.arrears + c.surcharge
    assert all(amount >= 0 for _, amount in c.lines)
    assert c.total >= 0 and c.rebate >= 0 and c.surcharge >= 0
    for value in (c.total, c.rebate, c.surcharge, *(a for _, a in c.lines)):
        assert value == money(value)


@given(annual_value=amounts, rates=rates_st, arrears=amounts)
def test_rebate_and_surcharge_are_bounded(annual_value, rates, arrears):
    c = quarterly_charges(annual_value=annual_value, rates=rates, arrears=arrears)
    assert c.rebate <= c.current
    assert c.rebate <= c.current * rates.rebate / 100 + Decimal("0.005")
    assert c.surcharge <= arrears * rates.surcharge / 100 + Decimal("0.005")


@given(annual_value=amounts, rates=rates_st, arrears=amounts)
def test_exemption_zeroes_current_charges_but_keeps_arrears(annual_value, rates, arrears):
    c = quarterly_charges(annual_value=annual_value, rates=rates, arrears=arrears, exempt=True)
    assert c.current == 0 and c.rebate == 0
    assert c.total == c.arrears + c.surcharge


def test_rounding_is_half_up_per_line():
    rates = Rates(holding_tax=Decimal("7"), conservancy=Decimal("3"))
    # 10.10 x 7% / 4 = 0.17675 -> 0.18;  10.10 x 3% / 4 = 0.07575 -> 0.08
    c = quarterly_charges(annual_value=Decimal("10.10"), rates=rates)
    assert dict(c.lines) == {
        "holding_tax": Decimal("0.18"),
        "conservancy": Decimal("0.08"),
        "lighting": Decimal("0.00"),
        "water": Decimal("0.00"),
    }
    assert c.total == Decimal("0.26")


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        quarterly_charges(annual_value=Decimal("-1"), rates=Rates())
    with pytest.raises(ValueError):
        quarterly_charges(annual_value=Decimal("1"), rates=Rates(), arrears=Decimal("-1"))

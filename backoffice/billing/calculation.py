"""Quarterly holding-tax charges: pure arithmetic, no models or database.

Rounding rule (the same in ``services.bill_run_issue``'s SQL, where
PostgreSQL's ``round(numeric, 2)`` rounds halves away from zero, which for
non-negative amounts is ROUND_HALF_UP):

* each component line is ``annual value x rate % / 400`` (a quarter of the
  annual charge) rounded to 2 places, half up;
* the surcharge is ``arrears x surcharge % / 100`` rounded the same way;
* the early-payment rebate is ``sum of component lines x rebate % / 100``
  rounded the same way; it is shown on the bill as the amount deducted if the
  bill is paid by its due date, and is not part of ``total``;
* ``total`` is the exact sum of the rounded lines, arrears and surcharge, so
  the printed lines always add up to the printed total.

Arrears (:func:`owed`) are what is left of the holding's previous bill: its
total less the valid payments credited to it, never negative, and nothing
once it counts as paid (in full, or its total less the rebate by the due
date: payments.selectors.bill_is_paid's rule).  The issue SQL computes the
same from the payments table.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Line codes, in bill order.  Labels are in models.COMPONENT_LABELS.
COMPONENTS = ("holding_tax", "conservancy", "lighting", "water")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    """Yearly percentages of the annual value, per component; rebate and
    surcharge percentages; whether the holding type is exempt."""

    holding_tax: Decimal = ZERO
    conservancy: Decimal = ZERO
    lighting: Decimal = ZERO
    water: Decimal = ZERO
    rebate: Decimal = ZERO
    surcharge: Decimal = ZERO
    exempt: bool = False


@dataclass(frozen=True)
class Charges:
    lines: tuple[tuple[str, Decimal], ...]
    arrears: Decimal
    surcharge: Decimal
    rebate: Decimal
    total: Decimal

    @property
    def current(self) -> Decimal:
        return sum((amount for _, amount in self.lines), ZERO)

    def lines_json(self) -> list[dict]:
        return [{"code": code, "amount": str(amount)} for code, amount in self.lines]


def quarterly_charges(
    *, annual_value: Decimal, rates: Rates, arrears: Decimal = ZERO, exempt: bool = False
) -> Charges:
    """One quarter's itemised bill.  Negative inputs are refused."""
    annual_value, arrears = Decimal(annual_value), money(arrears)
    if annual_value < 0 or arrears < 0:
        raise ValueError("annual value and arrears must not be negative")
    for name in (*COMPONENTS, "rebate", "surcharge"):
        if getattr(rates, name) < 0:
            raise ValueError(f"rate {name} must not be negative")
    free = exempt or rates.exempt
    lines = tuple(
        (code, ZERO if free else money(annual_value * getattr(rates, code) / 400))
        for code in COMPONENTS
    )
    current = sum((amount for _, amount in lines), ZERO)
    surcharge = money(arrears * rates.surcharge / 100)
    rebate = min(money(current * rates.rebate / 100), current)
    return Charges(
        lines=lines,
        arrears=arrears,
        surcharge=surcharge,
        rebate=rebate,
        total=current + arrears + surcharge,
    )


def owed(*, total: Decimal, rebate: Decimal, paid: Decimal, paid_by_due_date: Decimal) -> Decimal:
    """What is still owed on a bill after its due date: ``paid`` is what valid
    payments credit to it, ``paid_by_due_date`` the part received by the end
    of its due date."""
    if total <= paid or (rebate > 0 and paid_by_due_date >= total - rebate):
        return ZERO
    return money(total - paid)

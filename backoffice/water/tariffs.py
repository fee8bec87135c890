"""A month's water charges: pure arithmetic, no models or database.

Rules (the same in ``runs.ISSUE_SQL``, where PostgreSQL's ``round(numeric,
2)`` rounds halves away from zero, which for non-negative amounts is
ROUND_HALF_UP):

* metered: the use is split over the category's slabs in order; a slab runs
  from the previous slab's upper bound (0 for the first) to its own (the
  last one has none, whatever it was given); each slab the use reaches is a line of ``m³ in the slab
  x rate``, rounded to 2 places, half up; if the slab lines add up to less
  than the minimum charge a "minimum" line tops them up to it; the meter
  rent is a line of its own;
* unmetered (flat rate): one "flat" line of the category's monthly rate;
* ``total`` is the exact sum of the lines plus the arrears, so the printed
  lines always add up to the printed total.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
M3 = Decimal("0.001")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Slab:
    upto: Decimal | None  # None: no upper bound
    rate: Decimal


@dataclass(frozen=True)
class Tariff:
    slabs: tuple[Slab, ...] = ()
    minimum_charge: Decimal = ZERO
    meter_rent: Decimal = ZERO
    flat_rate: Decimal = ZERO

    def ordered_slabs(self) -> tuple[Slab, ...]:
        return tuple(sorted(self.slabs, key=lambda s: (s.upto is None, s.upto or 0)))


@dataclass(frozen=True)
class WaterCharges:
    metered: bool
    consumption: Decimal
    lines: tuple[dict, ...] = field(default_factory=tuple)
    arrears: Decimal = ZERO

    @property
    def current(self) -> Decimal:
        return sum((Decimal(line["amount"]) for line in self.lines), ZERO)

    @property
    def meter_rent(self) -> Decimal:
        return sum((Decimal(x["amount"]) for x in self.lines if x["code"] == "meter_rent"), ZERO)

    @property
    def total(self) -> Decimal:
        return self.current + self.arrears

    def lines_json(self) -> list[dict]:
        return [dict(line) for line in self.lines]


def monthly_charges(
    *, tariff: Tariff, metered: bool, consumption: Decimal = ZERO, arrears: Decimal = ZERO
) -> WaterCharges:
    """One month's itemised water bill.  Negative inputs are refused."""
    consumption = Decimal(consumption).quantize(M3, rounding=ROUND_HALF_UP)
    arrears = money(arrears)
    if consumption < 0 or arrears < 0:
        raise ValueError("use and arrears must not be negative")
    for value in (tariff.minimum_charge, tariff.meter_rent, tariff.flat_rate):
        if value < 0:
            raise ValueError("tariff amounts must not be negative")
    if not metered:
        lines = ({"code": "flat", "amount": str(money(tariff.flat_rate))},)
        return WaterCharges(metered=False, consumption=ZERO, lines=lines, arrears=arrears)
    lines: list[dict] = []
    lower = Decimal(0)
    charge = ZERO
    slabs = tariff.ordered_slabs()
    for index, slab in enumerate(slabs):
        if slab.rate < 0:
            raise ValueError("slab rates must not be negative")
        # The last slab has no upper bound, whatever bound it was given.
        upto = None if index == len(slabs) - 1 else Decimal(slab.upto)
        top = consumption if upto is None else min(consumption, upto)
        quantity = max(Decimal(0), top - lower)
        if quantity > 0:
            amount = money(quantity * slab.rate)
            lines.append(
                {
                    "code": "slab",
                    "from": str(lower.quantize(M3)),
                    "to": None if upto is None else str(upto.quantize(M3)),
                    "m3": str(quantity.quantize(M3)),
                    "rate": str(money(slab.rate)),
                    "amount": str(amount),
                }
            )
            charge += amount
        if upto is None:
            break
        lower = max(lower, upto)
    minimum = money(tariff.minimum_charge)
    if charge < minimum:
        lines.append({"code": "minimum", "amount": str(minimum - charge)})
    if tariff.meter_rent:
        lines.append({"code": "meter_rent", "amount": str(money(tariff.meter_rent))})
    return WaterCharges(metered=True, consumption=consumption, lines=tuple(lines), arrears=arrears)

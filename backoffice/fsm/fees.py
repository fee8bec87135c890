"""The emptying fee from this municipality's slab table (``FeeSlab``).

A slab matches on property type (blank: any), low-income (null: either) and
the volume band ``min <= volume < max``.  Among matching slabs the most
specific wins: a low-income match counts before a property-type match.  The
amount is ``base + per_m3 x (volume - band start) + per_extra_trip x
(trips - 1)``, in BDT, rounded half-up to the paisa.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from backoffice.fsm.models import FeeSlab

PAISA = Decimal("0.01")


def money(value) -> Decimal:
    """Half-up to two decimals (0.005 -> 0.01)."""
    return Decimal(value).quantize(PAISA, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeEstimate:
    amount: Decimal | None  # None: no slab applies
    slab: FeeSlab | None
    explanation: str


def _property_type(holding, building) -> str:
    if holding is not None and getattr(holding, "holding_type", ""):
        return holding.holding_type
    if building is not None and getattr(building, "use", ""):
        return building.use
    return ""


def _buildings(holding, building, containment) -> list:
    if building is not None:
        return [building]
    if containment is not None and containment.pk:
        return list(containment.buildings.all())
    if holding is not None and holding.pk:
        return list(holding.buildings.all())
    return []


def slab_find(*, property_type: str, low_income: bool, volume_m3: Decimal, slabs=None):
    """The most specific active slab for these facts (None: none matches)."""
    best, best_rank = None, None
    for slab in slabs if slabs is not None else FeeSlab.objects.filter(active=True):
        if slab.property_type and slab.property_type != property_type:
            continue
        if slab.low_income is not None and slab.low_income != low_income:
            continue
        if volume_m3 < slab.min_volume_m3:
            continue
        if slab.max_volume_m3 is not None and volume_m3 >= slab.max_volume_m3:
            continue
        rank = (slab.low_income is not None, bool(slab.property_type), slab.min_volume_m3)
        if best_rank is None or rank > best_rank:
            best, best_rank = slab, rank
    return best


def fee_estimate(
    *,
    holding=None,
    building=None,
    containment=None,
    volume_m3=None,
    trips=None,
    low_income=None,
    slabs=None,
) -> FeeEstimate:
    """The fee for one job.  Facts not given are taken from the registry: the
    property type from the holding (else the building's use), low-income
    from the buildings served, the volume from the containment; one trip.

    ``slabs`` (an iterable of FeeSlab) replaces the table, for previews."""
    property_type = _property_type(holding, building)
    if low_income is None:
        low_income = any(b.low_income for b in _buildings(holding, building, containment))
    if volume_m3 is None and containment is not None:
        volume_m3 = containment.volume_m3
    volume = Decimal(volume_m3) if volume_m3 is not None else Decimal("0")
    trips = max(int(trips or 1), 1)
    slab = slab_find(
        property_type=property_type, low_income=bool(low_income), volume_m3=volume, slabs=slabs
    )
    if slab is None:
        return FeeEstimate(None, None, _("No fee slab applies; the office sets the fee."))
    amount = money(
        slab.base_amount
        + slab.per_m3_amount * max(volume - slab.min_volume_m3, Decimal("0"))
        + slab.per_extra_trip_amount * (trips - 1)
    )
    parts = [_("Base fee %(amount)s") % {"amount": money(slab.base_amount)}]
    if slab.per_m3_amount and volume > slab.min_volume_m3:
        parts.append(
            _("%(rate)s per m³ above %(start)s m³")
            % {"rate": money(slab.per_m3_amount), "start": slab.min_volume_m3.normalize()}
        )
    if trips > 1 and slab.per_extra_trip_amount:
        parts.append(
            _("%(rate)s for each of %(count)s extra trips")
            % {"rate": money(slab.per_extra_trip_amount), "count": trips - 1}
        )
    if low_income:
        parts.append(_("low-income rate"))
    return FeeEstimate(amount, slab, "; ".join(parts))

"""Public reads for the citizen pages.  A lookup by holding code or BIN
tells only that the property exists and its ward: never owners, phones or
national IDs (backoffice/registry/privacy.py)."""

from dataclasses import dataclass

from backoffice.registry.choices import BuildingStatus, HoldingStatus
from backoffice.registry.models import Building, Holding, Ward


@dataclass(frozen=True)
class PublicProperty:
    holding_id: int | None
    building_id: int | None
    key: str  # the holding code or BIN the citizen typed, normalised
    ward_number: int
    ward_name_en: str
    ward_name_bn: str


def _ward(ward_id: int) -> Ward:
    return Ward.objects.only("number", "name_en", "name_bn").get(pk=ward_id)


def holding_public_find(*, code: str) -> PublicProperty | None:
    # A holding retired by a merge or split takes no new applications.
    row = (
        Holding.objects.filter(code=code, status=HoldingStatus.ACTIVE)
        .values("pk", "ward_id")
        .first()
    )
    if row is None:
        return None
    ward = _ward(row["ward_id"])
    return PublicProperty(row["pk"], None, code, ward.number, ward.name_en, ward.name_bn)


def building_public_find(*, bin: str) -> PublicProperty | None:
    row = (
        Building.objects.filter(bin=bin)
        .exclude(status=BuildingStatus.DEMOLISHED)
        .values("pk", "ward_id")
        .first()
    )
    if row is None:
        return None
    ward = _ward(row["ward_id"])
    return PublicProperty(None, row["pk"], bin, ward.number, ward.name_en, ward.name_bn)


def wards_public() -> list[tuple[int, str, str]]:
    return list(Ward.objects.order_by("number").values_list("number", "name_en", "name_bn"))


def ward_of_point(point) -> int | None:
    """The ward the point falls in (None: outside the municipality)."""
    return (
        Ward.objects.filter(boundary__intersects=point)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )

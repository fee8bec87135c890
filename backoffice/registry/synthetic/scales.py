"""How big a synthetic city is, and where it lies."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    buildings: int  # and as many holdings
    wards: int


SCALES: dict[str, Scale] = {
    s.name: s
    for s in (
        Scale("tiny", 500, 4),  # tests
        Scale("medium", 10_000, 12),  # the demo default
        Scale("khulna", 156_052, 31),  # Khulna City Corporation's building count
    )
}


@dataclass(frozen=True)
class Place:
    """Where a municipality's synthetic city lies: its centre (EPSG:4326)
    and its district's two-digit code (the old 17-digit national IDs
    carry it)."""

    code: str
    lon: float
    lat: float
    district: str = "47"


PLACES: dict[str, Place] = {
    p.code: p
    for p in (
        Place("khulna", 89.55, 22.82, "47"),
        Place("jashore", 89.21, 23.17, "41"),
    )
}


def place_for(code: str) -> Place:
    """A demo municipality's own centre; anything else lies at Khulna."""
    khulna = PLACES["khulna"]
    return PLACES.get(code, Place(code, khulna.lon, khulna.lat, khulna.district))

"""Small registry fixtures inside a tenant: a 2x2 grid of wards around a
point of the municipality, and buildings placed in them through services.

Coordinates are near Khulna (89.55 E, 22.82 N); one ward is ~1 km square."""

from decimal import Decimal

from django.contrib.gis.geos import MultiPolygon, Polygon

from backoffice.registry import services
from backoffice.registry.models import Ward

ORIGIN = (89.55, 22.82)
WARD_SIZE = 0.01  # degrees, about 1 km


def ward_square(number: int) -> MultiPolygon:
    col, row = (number - 1) % 2, (number - 1) // 2
    x0, y0 = ORIGIN[0] + col * WARD_SIZE, ORIGIN[1] + row * WARD_SIZE
    ring = (
        (x0, y0),
        (x0 + WARD_SIZE, y0),
        (x0 + WARD_SIZE, y0 + WARD_SIZE),
        (x0, y0 + WARD_SIZE),
        (x0, y0),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


def wards_make(count: int = 4) -> list[Ward]:
    return [
        Ward.objects.get_or_create(
            number=n,
            defaults={"name_en": f"Ward {n}", "name_bn": f"ওয়ার্ড {n}", "boundary": ward_square(n)},
        )[0]
        for n in range(1, count + 1)
    ]


def footprint_in_ward(number: int, index: int = 0, size: float = 0.0001) -> Polygon:
    """A small square inside ward ``number``; ``index`` moves it along a row."""
    col, row = (number - 1) % 2, (number - 1) // 2
    x0 = ORIGIN[0] + col * WARD_SIZE + 0.001 + (index % 40) * 0.0002
    y0 = ORIGIN[1] + row * WARD_SIZE + 0.001 + (index // 40) * 0.0002
    ring = ((x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0))
    return Polygon(ring, srid=4326)


def building_make(actor=None, ward: int = 1, index: int = 0, **fields):
    defaults = {
        "structure_type": "pucca",
        "use": "residential",
        "floors": 2,
        "households": 2,
        "population": 9,
    }
    return services.building_create(
        actor=actor, footprint=footprint_in_ward(ward, index), **{**defaults, **fields}
    )


def holding_make(actor=None, code: str = "01-001-0001-00", buildings=(), **fields):
    defaults = {"holding_type": "residential", "annual_value": Decimal("24000")}
    return services.holding_create(
        actor=actor, code=code, buildings=list(buildings), **{**defaults, **fields}
    )


def registry_sample(actor=None) -> dict:
    """Four wards, three buildings, one owner and two holdings: enough for
    the staff pages' lists, filters, detail pages and permission matrix."""
    wards_make()
    plain = building_make(actor, ward=1, index=0)
    shop = building_make(actor, ward=2, index=0, use="commercial", structure_type="tin_shed")
    slum = building_make(actor, ward=1, index=1, structure_type="kutcha", low_income=True)
    owner = services.owner_create(
        actor=actor, name_en="Rahima Begum", name_bn="রহিমা বেগম", phone="01712345678"
    )
    home = holding_make(actor, code="01-001-0001-00", buildings=[plain], owners=[owner])
    market = holding_make(actor, code="02-004-0120-01", buildings=[shop], holding_type="commercial")
    return {
        "plain": plain,
        "shop": shop,
        "slum": slum,
        "owner": owner,
        "home": home,
        "market": market,
    }

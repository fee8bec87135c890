"""A synthetic city for a municipality's registry: wards, roads, drains,
water, buildings, holdings and owners, deterministic by seed, bulk loaded
with COPY in one transaction.  ``registry_generate`` (a tenant command) and
the demo call it; other modules add steps through
``settings.IMIS_SYNTHETIC_STEPS`` (see :mod:`.generation`)."""

import zlib

from django.conf import settings

from backoffice.registry.synthetic.generation import (
    Generation,
    GenerationRefused,
    SyntheticBuilding,
    SyntheticHolding,
    city_generate,
    generation_steps,
    registry_is_empty,
    weighted_picker,
)
from backoffice.registry.synthetic.scales import PLACES, SCALES, Place, Scale, place_for

__all__ = [
    "PLACES",
    "SCALES",
    "Generation",
    "GenerationRefused",
    "Place",
    "Scale",
    "SyntheticBuilding",
    "SyntheticHolding",
    "city_generate",
    "demo_seed",
    "demo_step",
    "generation_steps",
    "place_for",
    "registry_is_empty",
    "weighted_picker",
]


def demo_seed(code: str) -> int:
    """Each demo municipality gets its own city, the same at every set-up."""
    return zlib.crc32(code.encode())


def demo_step(municipality, *, scale: str | None = None) -> None:
    """``IMIS_DEMO_STEPS`` entry (run inside the municipality's schema):
    a synthetic city at ``IMIS_DEMO_SCALE``, unless the registry has data."""
    if registry_is_empty():
        city_generate(scale=scale or settings.IMIS_DEMO_SCALE, seed=demo_seed(municipality.code))

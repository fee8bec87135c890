"""Shared by the maps tests: tile arithmetic, decoding, a small registry sample."""

import math

import mapbox_vector_tile
from django.core.cache import cache


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return z, x, y


def tile_url(layer: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


def decode(content: bytes, layer: str) -> list[dict]:
    """The features' properties (with ``id``) of one layer of a tile."""
    if not content:
        return []
    decoded = mapbox_vector_tile.decode(content)
    if layer not in decoded:
        return []
    return [{**f["properties"], "id": f["id"]} for f in decoded[layer]["features"]]


def cache_clear() -> None:
    # Each suite has its own Redis database (IMIS_TEST_REDIS_DB); test
    # transactions roll back, layer versions in Redis do not.
    cache.clear()

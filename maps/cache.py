"""Tile cache in the tenant-aware cache (Redis; django-tenants' ``make_key``
adds the schema to every key).

Each layer has a version number; a tile is stored under (layer, audience,
z, x, y) with the version it was built at, so bumping the version retires
every cached tile of the layer at once (and the next build overwrites it).  The owning domain calls
:func:`layer_changed` when the layer's data changes: at once (so the writing
request itself sees fresh tiles) and again after the commit (so a tile built
from the old rows while the transaction was open is not kept)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

TILE_SECONDS_DEFAULT = 24 * 3600
_VERSION_KEY = "maps:layer-version:{slug}"


def tile_cache_seconds() -> int:
    """0 switches the tile cache off (the benchmark measures both)."""
    return getattr(settings, "IMIS_TILE_CACHE_SECONDS", TILE_SECONDS_DEFAULT)


def version_key(slug: str) -> str:
    return _VERSION_KEY.format(slug=slug)


def layer_version(slug: str, known: int | None = None) -> int:
    """The layer's version (``known``: a value already read with others)."""
    key = version_key(slug)
    version = known if known is not None else cache.get(key)
    if version is None:
        # A fresh start (or an evicted key) never reuses an old number.
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key)
    return int(version)


def _bump(slug: str) -> None:
    key = _VERSION_KEY.format(slug=slug)
    try:
        cache.incr(key)
    except ValueError:  # no version yet
        cache.add(key, time.time_ns(), timeout=None)


def layer_changed(slug: str) -> None:
    """Retire the cached tiles of a layer in the current municipality."""
    _bump(slug)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(slug))


def tile_key(slug: str, audience: str, z: int, x: int, y: int, day: str = "") -> str:
    """One key per tile and audience; the value carries the layer version it
    was built at, so a bump makes it a miss and the next build overwrites it."""
    return f"maps:tile:{slug}:{audience}:{day}:{z}:{x}:{y}"


def tile_fresh(value, version: int) -> tuple[bytes, str] | None:
    """(content, etag) of a cached value built at ``version``, else None."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] == version:
        return value[1], value[2]
    return None


def tile_get(key: str, version: int) -> tuple[bytes, str] | None:
    return tile_fresh(cache.get(key), version)


def tile_set(key: str, version: int, content: bytes, etag: str) -> None:
    seconds = tile_cache_seconds()
    if seconds:
        cache.set(key, (version, content, etag), timeout=seconds)

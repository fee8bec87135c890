"""Per-address limits on the public lookups (holding, BIN, reference), so
the site cannot be used to walk the register.  Counts live in the cache,
keyed per municipality like every cache key."""

from django.core.cache import cache

WINDOW_SECONDS = 10 * 60
LOOKUPS_PER_WINDOW = 30  # per address and kind of lookup


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "-"


def lookup_allowed(request, bucket: str) -> bool:
    """Count one lookup from this address; False once over the limit."""
    key = f"citizen-lookup:{bucket}:{client_address(request)}"
    if cache.add(key, 1, WINDOW_SECONDS):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= LOOKUPS_PER_WINDOW

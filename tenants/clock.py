"""Each municipality's own clock: requests and tasks run with the time zone
the municipality is set to (dates shown, "today", the 1st of the month)."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def municipality_timezone_activate(municipality) -> None:
    """Make ``municipality``'s time zone current (the default when it has
    none, or for anything that is not a municipality)."""
    zone = _zone(getattr(municipality, "timezone", "") or "")
    if zone is None:
        timezone.deactivate()
    else:
        timezone.activate(zone)


def municipality_today(municipality=None):
    """The date on ``municipality``'s clock (its time zone; the current one
    when it has none), whatever time zone is active."""
    zone = _zone(getattr(municipality, "timezone", "") or "")
    return timezone.localdate(timezone=zone) if zone is not None else timezone.localdate()

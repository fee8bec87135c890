"""Each municipality's own clock: requests and tasks run with the time zone
the municipality is set to (dates shown, "today", the 1st of the month)."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection
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


def municipality_zone() -> ZoneInfo:
    """The time zone of the municipality the connection serves: the tenant a
    request or task set, else (under ``schema_context``, in the generator)
    looked up by schema; the default for none or an unknown name."""
    name = getattr(connection.tenant, "timezone", None)
    if not name:
        from tenants.models import Municipality

        name = (
            Municipality.objects.filter(schema_name=connection.schema_name)
            .values_list("timezone", flat=True)
            .first()
        )
    return _zone(name or settings.TIME_ZONE) or ZoneInfo(settings.TIME_ZONE)

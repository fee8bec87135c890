from django.db import connection
from django_tenants.utils import get_public_schema_name


def branding(request):
    """The municipality's logo (a small rendition), or None for the initials."""
    if connection.schema_name == get_public_schema_name():
        return {}
    from citizen.models import Branding

    try:
        logo = Branding.for_request(request).logo
    except Exception:  # noqa: BLE001 - no Site yet (being provisioned): no logo
        return {}
    if logo is None:
        return {}
    return {"branding_logo_url": logo.get_rendition("fill-88x88").url}

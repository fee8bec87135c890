from django.db import connection


def municipality(request):
    """The municipality whose host served this request (None on the console)."""
    tenant = getattr(request, "tenant", None) or getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        return {"municipality": None}
    return {"municipality": tenant}

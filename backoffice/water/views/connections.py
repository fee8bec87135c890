"""Connections: the list (search, filters, keyset pages) and one
connection's page (meters, readings, bills)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from backoffice.registry.models import Ward
from backoffice.registry.views.common import cursor
from backoffice.registry.views.paging import keyset_page
from backoffice.water import selectors
from backoffice.water.models import Connection, TariffCategory
from backoffice.water.views import access
from backoffice.water.views.common import get_or_404


@access.any_required
@require_GET
def index(request):
    if access.abilities(request.user)["read"]:
        return redirect("water:connection_list")
    return redirect("water:run_list")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@access.readers_required
@require_GET
def connection_list(request):
    q = (request.GET.get("q") or "").strip()[:30]
    ward = _int(request.GET.get("ward"))
    category = (request.GET.get("category") or "")[:20]
    page = keyset_page(
        selectors.connection_list(q=q, ward=ward, category=category),
        key="number",
        after=cursor(request.GET, "after"),
        before=cursor(request.GET, "before"),
    )
    return render(
        request,
        "water/connection_list.html",
        {
            "page": page,
            "q": q,
            "ward": ward,
            "category": category,
            "wards": Ward.objects.order_by("number").values_list("number", flat=True),
            "categories": TariffCategory.objects.all(),
            "can": access.abilities(request.user),
        },
    )


@access.readers_required
@require_GET
def connection_detail(request, number: str):
    conn = get_or_404(
        Connection.objects.select_related("holding", "holding__ward", "category", "building"),
        number=number,
    )
    return render(
        request,
        "water/connection_detail.html",
        {
            "connection": conn,
            "meters": list(conn.meters.all()),
            "readings": selectors.connection_readings(conn),
            "bills": selectors.connection_bills(conn),
            "can": access.abilities(request.user),
        },
    )

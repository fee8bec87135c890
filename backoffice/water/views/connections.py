"""Connections: the list (search, filters, keyset pages) and one
connection's page (meters, readings, bills)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.registry.models import Ward
from backoffice.registry.views.common import cursor
from backoffice.registry.views.paging import keyset_page
from backoffice.water import selectors, services
from backoffice.water.forms import ConnectionStatusForm, MeterForm
from backoffice.water.models import Connection, TariffCategory
from backoffice.water.views import access
from backoffice.water.views.common import error_messages, get_or_404


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
            "meter_form": MeterForm(initial={"installed_on": timezone.localdate()}),
            "status_form": ConnectionStatusForm(initial={"status": conn.status}),
            "can": access.abilities(request.user),
        },
    )


@access.office_required
@require_POST
def meter_install(request, number: str):
    """A new meter (the active one, if any, is removed on the same day)."""
    conn = get_or_404(Connection.objects.all(), number=number)
    form = MeterForm(request.POST)
    if form.is_valid():
        try:
            services.meter_install(actor=request.user, connection=conn, **form.cleaned_data)
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("Meter %(serial)s installed.") % form.cleaned_data)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("water:connection_detail", number=conn.number)


@access.office_required
@require_POST
def connection_status(request, number: str):
    conn = get_or_404(Connection.objects.all(), number=number)
    form = ConnectionStatusForm(request.POST)
    if form.is_valid():
        try:
            services.connection_update(
                actor=request.user, connection=conn, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("Status changed."))
    return redirect("water:connection_detail", number=conn.number)

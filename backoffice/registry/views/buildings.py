"""Buildings: list, detail with a small map, history; create and edit with
the footprint editor (GIS officers and municipal admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.registry import selectors, services
from backoffice.registry.codes import BANGLA_DIGITS
from backoffice.registry.forms import BuildingFilterForm, BuildingForm, form_errors_from
from backoffice.registry.models import Building, Holding
from backoffice.registry.views import access
from backoffice.registry.views.common import cursor, export_links, get_or_404
from backoffice.registry.views.history import HISTORY_LIMIT, HISTORY_PREVIEW, history_entries
from backoffice.registry.views.paging import keyset_page
from backoffice.registry.views.svgmap import EDITOR_MIN_SPAN, area_m2, map_view_fit
from tenants.permissions import role_required

read_required = role_required(*access.READERS, module=access.MODULE)
edit_required = role_required(*access.BUILDING_EDITORS, module=access.MODULE)

FILTERS = ("ward", "use", "structure_type", "has_holding", "low_income")
# Beyond about 400 m a capped set of neighbours would be a misleading sample.
NEIGHBOUR_SPAN = 0.004
NEIGHBOUR_LIMIT = 200


def _building(request, bin):
    return get_or_404(selectors.building_get, actor=request.user, bin=bin)


def _map(request, view, *, exclude_pk=None) -> dict:
    x0, y0, x1, y1 = view.extent
    neighbours = []
    if max(x1 - x0, y1 - y0) <= NEIGHBOUR_SPAN:
        neighbours = [
            (b.bin, view.path(b.footprint))
            for b in selectors.building_neighbours(
                actor=request.user, extent=view.extent, exclude_pk=exclude_pk, limit=NEIGHBOUR_LIMIT
            )
        ]
    return {"view": view, "neighbours": neighbours}


@read_required
@require_GET
def building_list(request):
    wards = list(selectors.ward_list(actor=request.user))
    form = BuildingFilterForm(request.GET or None, wards=wards)
    buildings = selectors.building_list(actor=request.user, filters=form.filters())
    # A list needs neither shapes nor ward boundaries (kilobytes a row).
    buildings = buildings.defer("footprint", "ward__boundary", "road__line").prefetch_related(
        Prefetch("holdings", queryset=Holding.objects.only("id", "code").order_by("code"))
    )
    page = keyset_page(
        buildings,
        key="bin",
        after=cursor(request.GET, "after"),
        before=cursor(request.GET, "before"),
    )
    can = access.abilities(request.user)
    return render(
        request,
        "registry/building_list.html",
        {
            "form": form,
            "page": page,
            "can": can,
            "filtered": any(request.GET.get(name) for name in FILTERS),
            "exports": export_links(request.GET) if can["export"] else [],
        },
    )


@read_required
@require_GET
def building_detail(request, bin):
    building = _building(request, bin)
    holdings = list(
        building.holdings.select_related("ward").prefetch_related("owners").order_by("code")
    )
    records = list(
        selectors.change_history(actor=request.user, instance=building)[: HISTORY_PREVIEW + 1]
    )
    view = map_view_fit(building.footprint.extent)
    return render(
        request,
        "registry/building_detail.html",
        {
            "building": building,
            "holdings": holdings,
            "area": area_m2(building.footprint),
            "map": {
                **_map(request, view, exclude_pk=building.pk),
                "focus": view.path(building.footprint),
            },
            "history": history_entries(records[:HISTORY_PREVIEW]),
            "history_more": len(records) > HISTORY_PREVIEW,
            "can": access.abilities(request.user),
        },
    )


@read_required
@require_GET
def building_history(request, bin):
    building = _building(request, bin)
    records = selectors.change_history(actor=request.user, instance=building)[:HISTORY_LIMIT]
    return render(
        request,
        "registry/history.html",
        {
            "title": _("History of building %(bin)s") % {"bin": building.bin},
            "back": ("registry:building_detail", building.bin),
            "history": history_entries(records),
        },
    )


def _editor_view(request, form, *, building=None):
    """The editor's map: the footprint being edited (or posted), else the
    building named by ?near=BIN, else the ward named by ?ward=N, else every ward."""
    geometry = None
    if form.is_bound and form.is_valid():
        geometry = form.cleaned_data.get("footprint")
    if geometry is None and building is not None:
        geometry = building.footprint
    outlines = []
    if geometry is None and request.GET.get("near"):
        near_bin = request.GET["near"].strip().upper().translate(BANGLA_DIGITS)[:30]
        try:
            near = selectors.building_get(actor=request.user, bin=near_bin)
        except Building.DoesNotExist:
            messages.warning(request, _("No building has the BIN %(bins)s.") % {"bins": near_bin})
        else:
            geometry = near.footprint
    if geometry is None:
        wards = list(selectors.ward_outlines(actor=request.user))
        wanted = request.GET.get("ward", "")
        chosen = [w for w in wards if str(w.number) == wanted] or wards
        if chosen:
            extents = [w.outline.extent for w in chosen if w.outline]
            extent = (
                min(e[0] for e in extents),
                min(e[1] for e in extents),
                max(e[2] for e in extents),
                max(e[3] for e in extents),
            )
            view = map_view_fit(extent)
            outlines = [(w.number, view.path(w.outline)) for w in wards]
            return {**_map(request, view), "outlines": outlines}
        return None
    view = map_view_fit(geometry.extent, min_span=EDITOR_MIN_SPAN)
    return {**_map(request, view, exclude_pk=getattr(building, "pk", None)), "outlines": outlines}


@edit_required
@require_http_methods(["GET", "POST"])
def building_create(request):
    form = BuildingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            building = services.building_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Building %(bin)s added.") % {"bin": building.bin})
            return redirect("registry:building_detail", bin=building.bin)
    return render(
        request,
        "registry/building_form.html",
        {
            "form": form,
            "editor": _editor_view(request, form),
            "wards": selectors.ward_list(actor=request.user),
        },
    )


def _changed_fields(building, fields: dict) -> dict:
    changed = {}
    for name, value in fields.items():
        if name == "footprint":
            if not value.equals_exact(building.footprint, 1e-9):
                changed[name] = value
        elif name == "road":
            if (value.pk if value else None) != building.road_id:
                changed[name] = value
        elif getattr(building, name) != value:
            changed[name] = value
    return changed


@edit_required
@require_http_methods(["GET", "POST"])
def building_edit(request, bin):
    building = _building(request, bin)
    form = BuildingForm(request.POST or None, building=building)
    if request.method == "POST" and form.is_valid():
        changed = _changed_fields(building, form.service_fields())
        try:
            if changed:
                services.building_update(actor=request.user, building=building, **changed)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if changed:
                messages.success(request, _("Building %(bin)s saved.") % {"bin": building.bin})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("registry:building_detail", bin=building.bin)
    return render(
        request,
        "registry/building_form.html",
        {
            "form": form,
            "building": building,
            "editor": _editor_view(request, form, building=building),
        },
    )

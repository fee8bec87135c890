"""Master data, read-only for now: containments, service providers (with
their vehicles and crews), vehicles and treatment plants (with effluent
tests against this municipality's standards)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from backoffice.fsm.models import (
    Containment,
    ContainmentBuilding,
    EffluentStandard,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from backoffice.fsm.views import access
from backoffice.fsm.views.common import get_or_404
from backoffice.registry.codes import BANGLA_DIGITS
from backoffice.registry.views.common import cursor
from backoffice.registry.views.paging import keyset_page
from tenants.permissions import role_required

master_required = role_required(*access.MASTER_READERS, module=access.MODULE)
LIST_LIMIT = 200
TESTS_SHOWN = 12


@master_required
@require_GET
def containment_list(request):
    q = (request.GET.get("q") or "").strip()[:30].translate(BANGLA_DIGITS).upper()
    queryset = Containment.objects.select_related("containment_type").defer("location")
    if q:
        queryset = queryset.filter(code__startswith=q)
    page = keyset_page(
        queryset,
        key="code",
        after=cursor(request.GET, "after"),
        before=cursor(request.GET, "before"),
    )
    return render(request, "fsm/containment_list.html", {"page": page, "q": q})


@master_required
@require_GET
def containment_detail(request, code):
    containment = get_or_404(Containment.objects.select_related("containment_type"), code=code)
    links = list(
        ContainmentBuilding.objects.filter(containment=containment)
        .select_related("building", "building__ward")
        .defer("building__footprint", "building__ward__boundary")
        .order_by("-responsible", "building__bin")
    )
    return render(
        request, "fsm/containment_detail.html", {"containment": containment, "links": links}
    )


@master_required
@require_GET
def provider_list(request):
    providers = list(ServiceProvider.objects.prefetch_related("wards")[:LIST_LIMIT])
    return render(request, "fsm/provider_list.html", {"providers": providers})


@master_required
@require_GET
def provider_detail(request, pk: int):
    provider = get_or_404(ServiceProvider.objects.prefetch_related("wards"), pk=pk)
    return render(
        request,
        "fsm/provider_detail.html",
        {
            "provider": provider,
            "vehicles": list(provider.vehicles.all()),
            "employees": list(provider.employees.all()),
        },
    )


@master_required
@require_GET
def vehicle_list(request):
    vehicles = list(Vehicle.objects.select_related("provider")[:LIST_LIMIT])
    return render(request, "fsm/vehicle_list.html", {"vehicles": vehicles})


@master_required
@require_GET
def plant_list(request):
    plants = list(TreatmentPlant.objects.defer("location")[:LIST_LIMIT])
    return render(request, "fsm/plant_list.html", {"plants": plants})


@master_required
@require_GET
def plant_detail(request, pk: int):
    plant = get_or_404(TreatmentPlant.objects.all(), pk=pk)
    standards = list(EffluentStandard.objects.all())
    tests = []
    for test in plant.effluent_tests.all()[:TESTS_SHOWN]:
        failing = {s.parameter for s in standards if not s.complies(getattr(test, s.parameter))}
        tests.append({"test": test, "failing": failing})
    return render(
        request,
        "fsm/plant_detail.html",
        {"plant": plant, "tests": tests, "parameters": EffluentStandard.Parameter.choices},
    )

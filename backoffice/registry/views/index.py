"""The registry's front page: find a building or a holding."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from backoffice.registry.forms import BuildingFilterForm, HoldingSearchForm
from backoffice.registry.views import access
from tenants.permissions import role_required


@role_required(*access.READERS, module=access.MODULE)
@require_GET
def index(request):
    return render(
        request,
        "registry/index.html",
        {
            "building_form": BuildingFilterForm(),
            "holding_form": HoldingSearchForm(),
            "can": access.abilities(request.user),
        },
    )

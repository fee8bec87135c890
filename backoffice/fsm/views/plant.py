"""The treatment plant caretaker's side: emptied loads on their way to the
caretaker's plant, and the disposal form (volume, vehicle, arrival time)
whose confirmation closes the job.  Other plants' loads answer 404."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.fsm import selectors, services, workflow
from backoffice.fsm.forms import DisposalForm
from backoffice.fsm.models import EmptyingApplication, TreatmentPlant
from backoffice.fsm.views import access
from backoffice.fsm.views.common import get_or_404, refusal_message, sla_rows
from backoffice.registry.forms import form_errors_from
from tenants.permissions import role_required

caretaker_required = role_required(*access.CARETAKERS, module=access.MODULE)
RECENT_DAYS = 7
LIST_LIMIT = 100


def plants_of(user) -> list[TreatmentPlant]:
    return list(selectors.plants_for_caretaker(user).defer("location").order_by("name"))


def arrivals(plants):
    """Emptied loads bound for these plants (or for no plant named), not yet
    confirmed; a caretaker of no plant receives nothing."""
    if not plants:
        return EmptyingApplication.objects.none()
    return EmptyingApplication.objects.filter(state=workflow.EMPTIED).filter(
        Q(plant__in=plants) | Q(plant__isnull=True)
    )


@caretaker_required
@require_GET
def arrival_list(request):
    plants = plants_of(request.user)
    now = timezone.now()
    waiting = sla_rows(
        arrivals(plants)
        .select_related("provider", "vehicle", "plant")
        .order_by("emptied_at", "reference")[:LIST_LIMIT],
        now=now,
    )
    since = now - datetime.timedelta(days=RECENT_DAYS)
    confirmed = list(
        EmptyingApplication.objects.filter(
            plant__in=plants, disposed_at__gte=since, disposed_volume_m3__isnull=False
        )
        .select_related("provider", "disposal_vehicle", "plant")
        .order_by("-disposed_at")[:LIST_LIMIT]
    )
    return render(
        request,
        "fsm/arrival_list.html",
        {"plants": plants, "waiting": waiting, "confirmed": confirmed},
    )


@caretaker_required
@require_http_methods(["GET", "POST"])
def disposal(request, reference):
    plants = plants_of(request.user)
    app = get_or_404(
        arrivals(plants).select_related("provider", "vehicle", "plant"), reference=reference
    )
    form = DisposalForm(
        request.POST if request.method == "POST" else None, application=app, plants=plants
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data["plant"] = data.get("plant") or app.plant
        try:
            services.application_transition(
                actor=request.user,
                role=workflow.CARETAKER,
                application=app,
                action=workflow.DISPOSE,
                **data,
            )
        except workflow.TransitionError as error:
            refusal_message(request, error)
            return redirect("fsm:arrival_list")
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("Disposal of %(reference)s confirmed; the job is closed.")
                % {"reference": app.reference},
            )
            return redirect("fsm:arrival_list")
    return render(request, "fsm/disposal_form.html", {"app": app, "form": form})

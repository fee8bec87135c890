"""Help desk intake: a clerk records a phone or walk-in application for a
holding (code in Bangla or English digits) or a building (BIN)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backoffice.fsm import services, workflow
from backoffice.fsm.forms import IntakeForm
from backoffice.fsm.models import ContainmentBuilding
from backoffice.fsm.views import access
from backoffice.registry.forms import form_errors_from
from backoffice.registry.models import Building, Holding
from tenants.permissions import role_required, user_roles

intake_required = role_required(*access.INTAKE, module=access.MODULE)


def _place(form: IntakeForm):
    """(holding, building) named by the form, or errors on it."""
    data = form.cleaned_data
    holding = building = None
    if data["holding_code"]:
        holding = Holding.objects.filter(code=data["holding_code"], status="active").first()
        if holding is None:
            form.add_error("holding_code", _("No active holding has this code."))
            return None
    if data["bin"]:
        building = Building.objects.filter(bin=data["bin"]).first()
        if building is None:
            form.add_error("bin", _("No building has this BIN."))
            return None
    if holding and building and not holding.buildings.filter(pk=building.pk).exists():
        form.add_error("bin", _("This building is not part of that holding."))
        return None
    if holding and building is None:
        building = holding.buildings.order_by("bin").first()
    if building and holding is None:
        holding = building.holdings.filter(status="active").order_by("code").first()
    return holding, building


def _containment(building):
    if building is None:
        return None
    link = (
        ContainmentBuilding.objects.filter(building=building)
        .select_related("containment")
        .order_by("-responsible", "containment__code")
        .first()
    )
    return link.containment if link else None


@intake_required
@require_http_methods(["GET", "POST"])
def intake(request):
    form = IntakeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        place = _place(form)
        if place is not None:
            holding, building = place
            data = {
                "holding": holding,
                "building": building,
                "containment": _containment(building),
                "applicant_name": form.cleaned_data["applicant_name"],
                "applicant_phone": form.cleaned_data["applicant_phone"],
            }
            role = sorted(user_roles(request.user) & set(access.INTAKE))[0]
            try:
                application = services.application_submit(
                    actor=request.user, role=role, channel=form.cleaned_data["channel"], **data
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            except workflow.TransitionError:
                form.add_error(None, _("You may not record applications."))
            else:
                messages.success(
                    request,
                    _("Application %(reference)s recorded. Tell the applicant this reference.")
                    % {"reference": application.reference},
                )
                return redirect("fsm:application_detail", reference=application.reference)
    return render(request, "fsm/intake.html", {"form": form, "can": access.abilities(request.user)})

"""Reading entry (made for a phone at the meter) and the review of flagged
readings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.water import selectors, services
from backoffice.water.forms import ReadingForm
from backoffice.water.models import Reading
from backoffice.water.readings import FLAG_LABELS
from backoffice.water.views import access
from backoffice.water.views.common import error_messages, form_errors, get_or_404


@access.office_required
@require_http_methods(["GET", "POST"])
def reading_new(request):
    initial = {"connection": request.GET.get("connection", "")[:20]}
    form = ReadingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reading = services.reading_record(
                actor=request.user,
                meter=form.meter,
                period=data["period"],
                read_on=data["read_on"],
                value=data["value"],
                rollover=data["rollover"],
                meter_replaced=data["meter_replaced"],
                note=data["note"],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            if reading.status == Reading.Status.FLAGGED:
                labels = ", ".join(str(FLAG_LABELS[f]) for f in reading.flags)
                messages.warning(
                    request,
                    _("Reading saved for %(number)s: %(use)s m³, flagged for review (%(why)s).")
                    % {
                        "number": data["connection"].number,
                        "use": reading.consumption,
                        "why": labels,
                    },
                )
            else:
                messages.success(
                    request,
                    _("Reading saved for %(number)s: %(use)s m³ used.")
                    % {"number": data["connection"].number, "use": reading.consumption},
                )
            return redirect("water:reading_new")
    return render(
        request, "water/reading_form.html", {"form": form, "can": access.abilities(request.user)}
    )


@access.readers_required
@require_http_methods(["GET"])
def flagged_list(request):
    rows = selectors.flagged_readings()
    return render(
        request,
        "water/flagged_list.html",
        {"readings": rows, "labels": FLAG_LABELS, "can": access.abilities(request.user)},
    )


@access.office_required
@require_POST
def reading_review(request, pk: int):
    reading = get_or_404(Reading.objects.all(), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        messages.error(request, _("Choose to accept or reject the reading."))
        return redirect("water:flagged_list")
    try:
        services.reading_review(
            actor=request.user,
            reading=reading,
            accept=decision == "accept",
            note=(request.POST.get("note") or "")[:300],
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request, _("Reading accepted.") if decision == "accept" else _("Reading rejected.")
        )
    return redirect("water:flagged_list")

"""Apply for emptying: where (holding code, BIN, or ward and address), the
phone proved by a code, the fee estimate, then the reference (also by SMS)."""

import secrets

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from backoffice.fsm import workflow
from backoffice.fsm.fees import fee_estimate
from backoffice.fsm.services import (
    application_submit,
)
from backoffice.notifications import texts
from backoffice.notifications.services import sms_queue
from backoffice.registry.models import Building, Holding, Ward
from citizen import throttle
from citizen.forms import (
    ApplyForm,
)
from citizen.views.common import (
    APPLY,
    APPLY_KEY,
    DONE_KEY,
    code_send,
    code_step,
    fsm_public,
    municipality_names,
    page_language,
    phone_proved,
    problem_text,
    throttled_page,
)


@fsm_public
def apply_start(request):
    if request.method == "POST":
        if not throttle.lookup_allowed(request, "apply"):
            return throttled_page(request)
        form = ApplyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            found = data["property"]
            location = data["location"]
            request.session[APPLY_KEY] = {
                "holding": found.holding_id if found else None,
                "building": found.building_id if found else None,
                "key": found.key if found else "",
                "ward": found.ward_number if found else data["ward"],
                "ward_name": [found.ward_name_en, found.ward_name_bn] if found else None,
                "address": data["address"].strip(),
                "point": [location.x, location.y] if location else None,
                "name": data["applicant_name"].strip(),
                "phone": data["phone"],
                # One submission per pending application, even on a double tap.
                "nonce": secrets.token_urlsafe(12),
            }
            if phone_proved(request, data["phone"]):
                return redirect("citizen_fsm:apply_confirm")
            problem = code_send(data["phone"], APPLY)
            if problem is None or problem.code == "too_soon":  # a code is on its way
                return redirect("citizen_fsm:apply_verify")
            form.add_error("phone", problem.messages[0])
    else:
        form = ApplyForm()
    return render(request, "citizen/fsm/apply.html", {"form": form})


@fsm_public
def apply_verify(request):
    pending = request.session.get(APPLY_KEY)
    if not pending:
        return redirect("citizen_fsm:apply")
    return code_step(
        request,
        phone=pending["phone"],
        purpose=APPLY,
        template="citizen/fsm/verify.html",
        done=lambda: redirect("citizen_fsm:apply_confirm"),
    )


def _pending_objects(pending: dict) -> dict:
    holding = (
        Holding.objects.only("pk", "holding_type").filter(pk=pending["holding"]).first()
        if pending["holding"]
        else None
    )
    building = (
        Building.objects.only("pk", "use", "low_income").filter(pk=pending["building"]).first()
        if pending["building"]
        else None
    )
    point = Point(*pending["point"], srid=4326) if pending["point"] else None
    # Neither number nor GPS: the ward and the address (the site visit finds
    # the containment); with a number the ward comes from the record.
    ward = (
        Ward.objects.filter(number=pending["ward"]).first()
        if holding is None and building is None and pending.get("ward")
        else None
    )
    return {
        "holding": holding,
        "building": building,
        "location": point,
        "address": pending["address"],
        "ward": ward,
    }


@fsm_public
def apply_confirm(request):
    pending = request.session.get(APPLY_KEY)
    if not pending:
        return redirect("citizen_fsm:apply")
    if not phone_proved(request, pending["phone"]):
        return redirect("citizen_fsm:apply_verify")
    objects = _pending_objects(pending)
    estimate = fee_estimate(holding=objects["holding"], building=objects["building"])
    error = ""
    if request.method == "POST":
        once = f"citizen-fsm-confirm:{pending.get('nonce', '')}"
        if not cache.add(once, 1, 24 * 60 * 60):  # the same confirmation is already running
            return redirect("citizen_fsm:apply_done")
        try:
            application = application_submit(
                actor=None,
                role=workflow.CITIZEN,
                holding=objects["holding"],
                building=objects["building"],
                location=objects["location"],
                address=objects["address"],
                ward=objects["ward"],
                applicant_name=pending["name"],
                applicant_phone=pending["phone"],
            )
        except (ValidationError, workflow.TransitionError) as problem:
            cache.delete(once)
            error = problem_text(problem)
        else:
            track_url = request.build_absolute_uri(reverse("citizen_fsm:track"))
            sms_queue(
                phone=pending["phone"],
                template_key=texts.FSM_SUBMITTED,
                language=page_language(),
                context={
                    "municipality": municipality_names(request),
                    "reference": application.reference,
                    "url": track_url,
                },
                related=f"fsm:{application.reference}",
            )
            del request.session[APPLY_KEY]
            request.session[DONE_KEY] = application.reference
            return redirect("citizen_fsm:apply_done")
    ward_name = pending["ward_name"]
    if ward_name:
        ward_name = ward_name[1] if page_language() == "bn" else ward_name[0]
    return render(
        request,
        "citizen/fsm/confirm.html",
        {"pending": pending, "ward_name": ward_name, "estimate": estimate, "error": error},
    )


@fsm_public
def apply_done(request):
    reference = request.session.get(DONE_KEY)
    if not reference:
        return redirect("citizen_fsm:apply")
    return render(request, "citizen/fsm/done.html", {"reference": reference})

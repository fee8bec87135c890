"""Track by reference and phone (proved by a code), then cancel while
allowed, resubmit after the office sent it back, give feedback when closed.
Dates and states only: never staff names."""

import zoneinfo
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.fsm import workflow
from backoffice.fsm.models import EmptyingApplication
from backoffice.fsm.selectors import application_by_reference
from backoffice.fsm.services import (
    application_cancel,
    application_feedback,
    application_resubmit,
)
from backoffice.notifications import texts
from backoffice.notifications.services import sms_queue
from citizen import throttle
from citizen.forms import (
    CancelForm,
    FeedbackForm,
    ResubmitForm,
    TrackForm,
)
from citizen.views.common import (
    TRACK,
    TRACK_KEY,
    code_send,
    code_step,
    fsm_public,
    municipality_names,
    page_language,
    phone_proved,
    problem_text,
    throttled_page,
)

# The steps a citizen sees, in order: (timestamp field, label).
HISTORY = (
    ("submitted_at", workflow.STATES[workflow.SUBMITTED]),
    ("sent_back_at", workflow.STATES[workflow.SENT_BACK]),
    ("assessed_at", workflow.STATES[workflow.ASSESSED]),
    ("fee_settled_at", workflow.STATES[workflow.FEE_SETTLED]),
    ("scheduled_at", workflow.STATES[workflow.SCHEDULED]),
    ("emptied_at", workflow.STATES[workflow.EMPTIED]),
    ("closed_at", workflow.STATES[workflow.CLOSED]),
    ("rejected_at", workflow.STATES[workflow.REJECTED]),
    ("cancelled_at", workflow.STATES[workflow.CANCELLED]),
)


@fsm_public
def track(request):
    initial = {"reference": request.GET.get("reference", "")}
    form = TrackForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not throttle.lookup_allowed(request, "track"):
            return throttled_page(request)
        if form.is_valid():
            reference, phone = form.cleaned_data["reference"], form.cleaned_data["phone"]
            if application_by_reference(reference, phone=phone) is None:
                form.add_error(None, _("No application has this reference and mobile number."))
            elif phone_proved(request, phone):
                return redirect("citizen_fsm:status", reference=reference)
            else:
                problem = code_send(phone, TRACK)
                if problem is None or problem.code == "too_soon":
                    request.session[TRACK_KEY] = {"reference": reference, "phone": phone}
                    return redirect("citizen_fsm:track_verify")
                form.add_error("phone", problem.messages[0])
    return render(request, "citizen/fsm/track.html", {"form": form})


@fsm_public
def track_verify(request):
    pending = request.session.get(TRACK_KEY)
    if not pending:
        return redirect("citizen_fsm:track")
    return code_step(
        request,
        phone=pending["phone"],
        purpose=TRACK,
        template="citizen/fsm/verify.html",
        done=lambda: redirect("citizen_fsm:status", reference=pending["reference"]),
    )


def _application_for(request, reference: str) -> EmptyingApplication | None:
    """The application, if this session has proved its applicant's phone."""
    application = application_by_reference(reference)
    if application is None or not phone_proved(request, application.applicant_phone):
        return None
    return application


def _history(application: EmptyingApplication) -> list[tuple[str, object]]:
    steps = [
        (str(label), getattr(application, field))
        for field, label in HISTORY
        if getattr(application, field, None) is not None
    ]
    return sorted(steps, key=lambda step: step[1])


@fsm_public
def status(request, reference: str):
    application = _application_for(request, reference)
    if application is None:
        return redirect(
            reverse("citizen_fsm:track") + "?" + urlencode({"reference": reference[:24]})
        )
    return _status_page(request, application)


def _status_page(
    request, application, *, cancel_form=None, feedback_form=None, resubmit_form=None, status=200
):
    actions = workflow.actions_for(application.state, workflow.CITIZEN)
    can_feedback = workflow.FEEDBACK in actions and application.feedback_at is None
    try:
        zone = zoneinfo.ZoneInfo(request.tenant.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    with timezone.override(zone):
        return render(
            request,
            "citizen/fsm/status.html",
            {
                "application": application,
                "state_label": workflow.STATES.get(application.state, application.state),
                "history": _history(application),
                "final": application.state in workflow.FINAL_STATES,
                "can_cancel": workflow.CANCEL in actions,
                "can_resubmit": workflow.RESUBMIT in actions,
                "resubmit_form": resubmit_form
                or ResubmitForm(
                    initial={
                        "address": application.address,
                        "applicant_name": application.applicant_name,
                    }
                ),
                "cancel_form": cancel_form or CancelForm(),
                "can_feedback": can_feedback,
                "feedback_form": feedback_form or FeedbackForm(),
                "show_reason": application.state in (workflow.REJECTED, workflow.SENT_BACK),
            },
            status=status,
        )


@fsm_public
@require_POST
def cancel(request, reference: str):
    application = _application_for(request, reference)
    if application is None:
        raise Http404
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            application_cancel(
                actor=None,
                role=workflow.CITIZEN,
                application=application,
                expected_state=request.POST.get("expected_state") or None,
                reason=form.cleaned_data["reason"] or _("Cancelled by the applicant."),
            )
        except (ValidationError, workflow.TransitionError) as problem:
            form.add_error(None, problem_text(problem))
        else:
            sms_queue(
                phone=application.applicant_phone,
                template_key=texts.FSM_CANCELLED,
                language=page_language(),
                context={"municipality": municipality_names(request), "reference": reference},
                related=f"fsm:{application.reference}",
            )
            return redirect("citizen_fsm:status", reference=application.reference)
    return _status_page(request, application, cancel_form=form, status=400)


@fsm_public
@require_POST
def feedback(request, reference: str):
    application = _application_for(request, reference)
    if application is None:
        raise Http404
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            application_feedback(
                actor=None,
                role=workflow.CITIZEN,
                application=application,
                expected_state=request.POST.get("expected_state") or None,
                satisfaction=form.cleaned_data["satisfaction"],
                crew_wore_ppe=form.cleaned_data["crew_wore_ppe"],
                comments=form.cleaned_data["comments"],
            )
        except (ValidationError, workflow.TransitionError) as problem:
            form.add_error(None, problem_text(problem))
        else:
            return redirect("citizen_fsm:status", reference=application.reference)
    return _status_page(request, application, feedback_form=form, status=400)


@fsm_public
@require_POST
def resubmit(request, reference: str):
    """After the office sent the application back: correct and send it again."""
    application = _application_for(request, reference)
    if application is None:
        raise Http404
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            application_resubmit(
                actor=None,
                role=workflow.CITIZEN,
                application=application,
                expected_state=request.POST.get("expected_state") or None,
                address=form.cleaned_data["address"],
                applicant_name=form.cleaned_data["applicant_name"],
            )
        except (ValidationError, workflow.TransitionError) as problem:
            form.add_error(None, problem_text(problem))
        else:
            return redirect("citizen_fsm:status", reference=application.reference)
    return _status_page(request, application, resubmit_form=form, status=400)

"""The public FSM pages: apply (phone proved by a one-time code first), track
by reference and phone, cancel while allowed, give feedback when closed.

No account: a phone proved by a code is remembered in the session for
VERIFIED_FOR.  Nothing about a holding's owners is ever shown."""

import secrets
import time
import zoneinfo
from functools import wraps
from urllib.parse import urlencode

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.fsm import workflow
from backoffice.fsm.fees import fee_estimate
from backoffice.fsm.models import EmptyingApplication
from backoffice.fsm.selectors import application_by_reference
from backoffice.fsm.services import (
    application_cancel,
    application_feedback,
    application_resubmit,
    application_submit,
)
from backoffice.notifications import texts
from backoffice.notifications.services import sms_queue
from backoffice.registry.models import Building, Holding
from citizen import selectors, throttle
from citizen.forms import (
    ApplyForm,
    CancelForm,
    CodeForm,
    FeedbackForm,
    ResubmitForm,
    TrackForm,
)
from citizen.models import OneTimeCode
from citizen.services import OtpError, otp_send, otp_verify

VERIFIED_FOR = 60 * 60  # seconds a proved phone stays proved in this session
APPLY_KEY, TRACK_KEY, PHONES_KEY, DONE_KEY = "fsm_apply", "fsm_track", "fsm_phones", "fsm_done"
APPLY, TRACK = OneTimeCode.Purpose.FSM_APPLY, OneTimeCode.Purpose.FSM_TRACK

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


def fsm_public(view):
    """Only where the municipality runs FSM (the module switch), else 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or not hasattr(tenant, "has_module") or not tenant.has_module("fsm"):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _language() -> str:
    return "bn" if get_language() == "bn" else "en"


def _municipality(request) -> dict:
    tenant = request.tenant
    return {"en": tenant.name_en, "bn": tenant.name_bn}


def _throttled(request) -> HttpResponse:
    return render(request, "citizen/fsm/throttled.html", status=429)


# --- phones proved in this session -------------------------------------------


def _phone_proved(request, phone: str) -> bool:
    proved = request.session.get(PHONES_KEY, {})
    return time.time() - proved.get(phone, 0) < VERIFIED_FOR


def _phone_prove(request, phone: str) -> None:
    now = time.time()
    proved = {
        p: t for p, t in request.session.get(PHONES_KEY, {}).items() if now - t < VERIFIED_FOR
    }
    proved[phone] = now
    request.session[PHONES_KEY] = proved
    request.session.cycle_key()  # a proved session gets a new id


def _send_code(phone: str, purpose: str) -> OtpError | None:
    """Send a code; None when sent, else why not (a translated OtpError)."""
    try:
        otp_send(phone=phone, purpose=purpose, language=_language())
    except OtpError as error:
        return error
    return None


# --- apply ---------------------------------------------------------------------


@fsm_public
def apply_start(request):
    if request.method == "POST":
        if not throttle.lookup_allowed(request, "apply"):
            return _throttled(request)
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
            if _phone_proved(request, data["phone"]):
                return redirect("citizen_fsm:apply_confirm")
            problem = _send_code(data["phone"], APPLY)
            if problem is None or problem.code == "too_soon":  # a code is on its way
                return redirect("citizen_fsm:apply_verify")
            form.add_error("phone", problem.messages[0])
    else:
        form = ApplyForm()
    return render(request, "citizen/fsm/apply.html", {"form": form})


def _code_step(request, *, phone: str, purpose: str, template: str, done):
    """The shared 'type the code from the SMS' step (with resend)."""
    form = CodeForm(request.POST or None)
    notice = ""
    if request.method == "POST":
        if "resend" in request.POST:
            form = CodeForm()
            problem = _send_code(phone, purpose)
            notice = problem.messages[0] if problem else _("A new code is on its way.")
        elif form.is_valid():
            try:
                otp_verify(phone=phone, purpose=purpose, code=form.cleaned_data["code"])
            except OtpError as error:
                form.add_error("code", error.messages[0])
            else:
                _phone_prove(request, phone)
                return done()
    masked = phone[:-8] + "*****" + phone[-3:]
    return render(request, template, {"form": form, "phone": masked, "notice": notice})


@fsm_public
def apply_verify(request):
    pending = request.session.get(APPLY_KEY)
    if not pending:
        return redirect("citizen_fsm:apply")
    return _code_step(
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
    address = pending["address"]
    if holding is None and building is None and point is None:
        # Neither number nor GPS: the ward's centre stands in for the location
        # and the address says so (the site visit finds the containment).
        point = selectors.ward_point(pending["ward"])
        address = f"Ward {pending['ward']:02d} (location approximate): {address}"[:300]
    return {"holding": holding, "building": building, "location": point, "address": address}


@fsm_public
def apply_confirm(request):
    pending = request.session.get(APPLY_KEY)
    if not pending:
        return redirect("citizen_fsm:apply")
    if not _phone_proved(request, pending["phone"]):
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
                applicant_name=pending["name"],
                applicant_phone=pending["phone"],
            )
        except (ValidationError, workflow.TransitionError) as problem:
            cache.delete(once)
            error = _problem_text(problem)
        else:
            track_url = request.build_absolute_uri(reverse("citizen_fsm:track"))
            sms_queue(
                phone=pending["phone"],
                template_key=texts.FSM_SUBMITTED,
                language=_language(),
                context={
                    "municipality": _municipality(request),
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
        ward_name = ward_name[1] if _language() == "bn" else ward_name[0]
    return render(
        request,
        "citizen/fsm/confirm.html",
        {"pending": pending, "ward_name": ward_name, "estimate": estimate, "error": error},
    )


def _problem_text(problem) -> str:
    if isinstance(problem, workflow.TransitionError):
        return workflow.refusal_message(problem)
    return " ".join(problem.messages)


@fsm_public
def apply_done(request):
    reference = request.session.get(DONE_KEY)
    if not reference:
        return redirect("citizen_fsm:apply")
    return render(request, "citizen/fsm/done.html", {"reference": reference})


# --- track, cancel, feedback -----------------------------------------------------


@fsm_public
def track(request):
    initial = {"reference": request.GET.get("reference", "")}
    form = TrackForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not throttle.lookup_allowed(request, "track"):
            return _throttled(request)
        if form.is_valid():
            reference, phone = form.cleaned_data["reference"], form.cleaned_data["phone"]
            if application_by_reference(reference, phone=phone) is None:
                form.add_error(None, _("No application has this reference and mobile number."))
            elif _phone_proved(request, phone):
                return redirect("citizen_fsm:status", reference=reference)
            else:
                problem = _send_code(phone, TRACK)
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
    return _code_step(
        request,
        phone=pending["phone"],
        purpose=TRACK,
        template="citizen/fsm/verify.html",
        done=lambda: redirect("citizen_fsm:status", reference=pending["reference"]),
    )


def _application_for(request, reference: str) -> EmptyingApplication | None:
    """The application, if this session has proved its applicant's phone."""
    application = application_by_reference(reference)
    if application is None or not _phone_proved(request, application.applicant_phone):
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
            form.add_error(None, _problem_text(problem))
        else:
            sms_queue(
                phone=application.applicant_phone,
                template_key=texts.FSM_CANCELLED,
                language=_language(),
                context={"municipality": _municipality(request), "reference": reference},
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
            form.add_error(None, _problem_text(problem))
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
            form.add_error(None, _problem_text(problem))
        else:
            return redirect("citizen_fsm:status", reference=application.reference)
    return _status_page(request, application, resubmit_form=form, status=400)

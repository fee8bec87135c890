"""What the public FSM pages share: the module switch, the language, phones
proved by a one-time code (remembered in the session for VERIFIED_FOR), and
the 'type the code from the SMS' step."""

import time
from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backoffice.fsm import workflow
from citizen.forms import CodeForm
from citizen.models import OneTimeCode
from citizen.services import OtpError, otp_send, otp_verify

VERIFIED_FOR = 60 * 60  # seconds a proved phone stays proved in this session
APPLY_KEY, TRACK_KEY, PHONES_KEY, DONE_KEY = "fsm_apply", "fsm_track", "fsm_phones", "fsm_done"
APPLY, TRACK = OneTimeCode.Purpose.FSM_APPLY, OneTimeCode.Purpose.FSM_TRACK


def fsm_public(view):
    """Only where the municipality runs FSM (the module switch), else 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or not hasattr(tenant, "has_module") or not tenant.has_module("fsm"):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def page_language() -> str:
    return "bn" if get_language() == "bn" else "en"


def municipality_names(request) -> dict:
    tenant = request.tenant
    return {"en": tenant.name_en, "bn": tenant.name_bn}


def throttled_page(request) -> HttpResponse:
    return render(request, "citizen/fsm/throttled.html", status=429)


# --- phones proved in this session -------------------------------------------


def session_proved(request, key: str, item: str, *, seconds: int) -> bool:
    """Whether ``item`` was proved by a code in this session (under ``key``)
    less than ``seconds`` ago."""
    return time.time() - request.session.get(key, {}).get(item, 0) < seconds


def session_prove(request, key: str, item: str, *, seconds: int) -> None:
    """Remember ``item`` as proved now (older proofs under ``key`` expire)."""
    now = time.time()
    proved = {i: t for i, t in request.session.get(key, {}).items() if now - t < seconds}
    proved[item] = now
    request.session[key] = proved
    request.session.cycle_key()  # a proved session gets a new id


def phone_proved(request, phone: str) -> bool:
    return session_proved(request, PHONES_KEY, phone, seconds=VERIFIED_FOR)


def phone_prove(request, phone: str) -> None:
    session_prove(request, PHONES_KEY, phone, seconds=VERIFIED_FOR)


def code_send(phone: str, purpose: str) -> OtpError | None:
    """Send a code; None when sent, else why not (a translated OtpError)."""
    try:
        otp_send(phone=phone, purpose=purpose, language=page_language())
    except OtpError as error:
        return error
    return None


def code_step(request, *, phone: str, purpose: str, template: str, done):
    """The shared 'type the code from the SMS' step (with resend)."""
    form = CodeForm(request.POST or None)
    notice = ""
    if request.method == "POST":
        if "resend" in request.POST:
            form = CodeForm()
            problem = code_send(phone, purpose)
            notice = problem.messages[0] if problem else _("A new code is on its way.")
        elif form.is_valid():
            try:
                otp_verify(phone=phone, purpose=purpose, code=form.cleaned_data["code"])
            except OtpError as error:
                form.add_error("code", error.messages[0])
            else:
                phone_prove(request, phone)
                return done()
    masked = phone[:-8] + "*****" + phone[-3:]
    return render(request, template, {"form": form, "phone": masked, "notice": notice})


def problem_text(problem) -> str:
    if isinstance(problem, workflow.TransitionError):
        return workflow.refusal_message(problem)
    return " ".join(problem.messages)

"""Citizen-side writes: one-time codes that prove a phone number.

A code is 6 digits, valid for OTP_TTL; only its HMAC (keyed by SECRET_KEY) is
stored.  OTP_MAX_ATTEMPTS wrong tries lock the phone for that purpose for
OTP_LOCK; a new code is sent at most once per OTP_RESEND_INTERVAL and
OTP_MAX_SENDS_PER_HOUR times an hour.  Errors are OtpError, translated."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backoffice.notifications import texts
from backoffice.notifications.services import sms_queue
from backoffice.registry.codes import BANGLA_DIGITS, phone_normalise
from citizen.models import OneTimeCode

OTP_TTL = datetime.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_LOCK = datetime.timedelta(minutes=15)
OTP_RESEND_INTERVAL = datetime.timedelta(seconds=60)
OTP_MAX_SENDS_PER_HOUR = 5
OTP_DIGITS = 6


class OtpError(ValidationError):
    """Refused; ``code`` is one of locked, too_soon, too_many, none, expired, wrong."""


def _hash(phone: str, purpose: str, code: str) -> str:
    return salted_hmac("citizen.otp", f"{phone}|{purpose}|{code}", algorithm="sha256").hexdigest()


def _minutes(delta: datetime.timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))


def _lock(phone: str, purpose: str, now) -> datetime.datetime | None:
    return (
        OneTimeCode.objects.filter(phone=phone, purpose=purpose, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )


def _locked_error(until, now) -> OtpError:
    minutes = _minutes(until - now)
    return OtpError(
        ngettext(
            "Too many wrong codes. Try again in %(minutes)s minute.",
            "Too many wrong codes. Try again in %(minutes)s minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="locked",
    )


@transaction.atomic
def otp_send(*, phone: str, purpose: str, language: str) -> OneTimeCode:
    """Send a new code to ``phone`` (earlier unused codes stop working)."""
    phone = phone_normalise(phone)
    now = timezone.now()
    # One request at a time per phone: the rate limits below hold under races.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"otp|{phone}|{purpose}"])
    until = _lock(phone, purpose, now)
    if until is not None:
        raise _locked_error(until, now)
    recent = OneTimeCode.objects.filter(
        phone=phone, purpose=purpose, created_at__gt=now - datetime.timedelta(hours=1)
    )
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < OTP_RESEND_INTERVAL:
        seconds = int((OTP_RESEND_INTERVAL - (now - last)).total_seconds()) + 1
        raise OtpError(
            _("A code was just sent. Wait %(seconds)s seconds before asking again.")
            % {"seconds": seconds},
            code="too_soon",
        )
    if recent.count() >= OTP_MAX_SENDS_PER_HOUR:
        raise OtpError(
            _("Too many codes were sent to this number. Try again in an hour."), code="too_many"
        )
    OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
    otp = OneTimeCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_hash(phone, purpose, code),
        created_at=now,
        expires_at=now + OTP_TTL,
    )
    sms_queue(
        phone=phone,
        template_key=texts.OTP,
        language=language,
        context={
            "municipality": texts.municipality_names(),
            "code": code,
            "minutes": _minutes(OTP_TTL),
        },
        related=f"otp:{purpose}",
    )
    return otp


def otp_verify(*, phone: str, purpose: str, code: str) -> None:
    """Accept the latest code once, or raise OtpError.  A wrong try is
    counted (committed) before the error is raised."""
    phone = phone_normalise(phone)
    typed = "".join(str(code or "").split()).translate(BANGLA_DIGITS)
    now = timezone.now()
    error = None
    with transaction.atomic():
        until = _lock(phone, purpose, now)
        if until is not None:
            raise _locked_error(until, now)
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if otp is None:
            raise OtpError(_("No code is waiting for this number. Ask for a new one."), "none")
        if otp.expires_at <= now:
            raise OtpError(_("This code has expired. Ask for a new one."), code="expired")
        if constant_time_compare(otp.code_hash, _hash(phone, purpose, typed)):
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            return
        otp.attempts += 1
        left = OTP_MAX_ATTEMPTS - otp.attempts
        if left <= 0:
            otp.locked_until = now + OTP_LOCK
            otp.expires_at = now
            error = _locked_error(otp.locked_until, now)
        else:
            error = OtpError(
                ngettext(
                    "Wrong code. %(left)s attempt left.",
                    "Wrong code. %(left)s attempts left.",
                    left,
                )
                % {"left": left},
                code="wrong",
            )
        otp.save(update_fields=["attempts", "locked_until", "expires_at"])
    raise error


def otp_purge(*, now=None, older_than=datetime.timedelta(days=1)) -> int:
    """Forget codes (and with them the phone numbers) older than a day,
    except those still holding a lock."""
    now = now or timezone.now()
    deleted, _counts = (
        OneTimeCode.objects.filter(created_at__lt=now - older_than)
        .exclude(locked_until__gt=now)
        .delete()
    )
    return deleted

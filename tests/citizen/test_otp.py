"""One-time codes: right, wrong, expired, locked after too many tries, resend
limits, translated refusals, and each municipality keeps its own codes."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from backoffice.notifications.models import SmsMessage
from citizen import services
from citizen.models import OneTimeCode
from citizen.services import OtpError, otp_send, otp_verify
from tests.citizen.otp_support import code_from_outbox

PHONE = "+8801811000001"
APPLY = OneTimeCode.Purpose.FSM_APPLY


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield tenant_a


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def refused(expected: str, **kwargs) -> OtpError:
    with pytest.raises(OtpError) as caught:
        otp_verify(**{"phone": PHONE, "purpose": APPLY, **kwargs})
    assert caught.value.code == expected, caught.value.messages
    return caught.value


def test_the_right_code_is_accepted_once(in_a):
    otp = otp_send(phone="01811000001", purpose=APPLY, language="en")
    assert otp.phone == PHONE and len(otp.code_hash) == 64
    code = code_from_outbox(PHONE)
    assert code not in otp.code_hash
    sms = SmsMessage.objects.get(phone=PHONE)
    assert sms.body.startswith("Khulna City Corporation: your one-time code is ")
    otp_verify(phone=PHONE, purpose=APPLY, code=code)
    refused("none", code=code)  # used


def test_bangla_digits_are_accepted(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="bn")
    code = code_from_outbox(PHONE)
    otp_verify(
        phone=PHONE, purpose=APPLY, code=code.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    )


def test_a_code_is_for_one_purpose(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="en")
    code = code_from_outbox(PHONE)
    refused("none", purpose=OneTimeCode.Purpose.FSM_TRACK, code=code)
    otp_verify(phone=PHONE, purpose=APPLY, code=code)


def test_a_wrong_code_counts_down_and_the_right_one_still_works(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="en")
    code = code_from_outbox(PHONE)
    error = refused("wrong", code=wrong(code))
    assert "4 attempts left" in error.messages[0]
    assert OneTimeCode.objects.get().attempts == 1  # counted although refused
    otp_verify(phone=PHONE, purpose=APPLY, code=code)


def test_an_expired_code_is_refused(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="en")
    code = code_from_outbox(PHONE)
    otp = OneTimeCode.objects.get()
    assert otp.expires_at - otp.created_at == datetime.timedelta(minutes=10)
    OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    refused("expired", code=code)


def test_five_wrong_codes_lock_the_phone_for_a_while(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="en")
    code = code_from_outbox(PHONE)
    for _ in range(4):
        refused("wrong", code=wrong(code))
    error = refused("locked", code=wrong(code))
    assert "15 minutes" in error.messages[0]
    refused("locked", code=code)  # even the right code
    with pytest.raises(OtpError) as caught:
        otp_send(phone=PHONE, purpose=APPLY, language="en")
    assert caught.value.code == "locked"
    # another purpose and another phone are not locked
    otp_send(phone=PHONE, purpose=OneTimeCode.Purpose.FSM_TRACK, language="en")
    otp_send(phone="+8801811000002", purpose=APPLY, language="en")
    # the lock ends
    OneTimeCode.objects.filter(locked_until__isnull=False).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1),
        created_at=timezone.now() - datetime.timedelta(minutes=16),
    )
    otp_send(phone=PHONE, purpose=APPLY, language="en")
    otp_verify(phone=PHONE, purpose=APPLY, code=code_from_outbox(PHONE))


def test_resending_is_rate_limited_and_replaces_the_old_code(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="en")
    first = code_from_outbox(PHONE)
    with pytest.raises(OtpError) as caught:
        otp_send(phone=PHONE, purpose=APPLY, language="en")
    assert caught.value.code == "too_soon"
    for n in range(1, services.OTP_MAX_SENDS_PER_HOUR):
        OneTimeCode.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=61 * n))
        otp_send(phone=PHONE, purpose=APPLY, language="en")
    second = code_from_outbox(PHONE)
    OneTimeCode.objects.update(created_at=F("created_at") - datetime.timedelta(seconds=61))
    with pytest.raises(OtpError) as caught:
        otp_send(phone=PHONE, purpose=APPLY, language="en")
    assert caught.value.code == "too_many"
    if first != second:
        refused("wrong", code=first)  # the older code no longer works
    otp_verify(phone=PHONE, purpose=APPLY, code=second)


def test_refusals_are_translated(in_a):
    otp_send(phone=PHONE, purpose=APPLY, language="bn")
    code = code_from_outbox(PHONE)
    with translation.override("bn"):
        error = refused("wrong", code=wrong(code))
    assert "ভুল" in error.messages[0]
    with translation.override("bn"), pytest.raises(OtpError) as caught:
        otp_send(phone=PHONE, purpose=APPLY, language="bn")
    assert "সেকেন্ড" in caught.value.messages[0]


def test_codes_stay_in_their_municipality(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        otp_send(phone=PHONE, purpose=APPLY, language="en")
        code = code_from_outbox(PHONE)
    with schema_context(tenant_b.schema_name):
        refused("none", code=code)
    with schema_context(tenant_a.schema_name):
        otp_verify(phone=PHONE, purpose=APPLY, code=code)


def test_old_codes_are_purged_but_locks_kept(in_a):
    from citizen.tasks import otp_purge_task

    otp_send(phone=PHONE, purpose=APPLY, language="en")
    otp_send(phone="+8801811000002", purpose=APPLY, language="en")
    otp_send(phone="+8801811000003", purpose=APPLY, language="en")
    day_ago = timezone.now() - datetime.timedelta(days=1, minutes=1)
    OneTimeCode.objects.exclude(phone="+8801811000003").update(created_at=day_ago)
    OneTimeCode.objects.filter(phone="+8801811000002").update(
        locked_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert otp_purge_task.run() == "1 old one-time codes removed"
    assert set(OneTimeCode.objects.values_list("phone", flat=True)) == {
        "+8801811000002",
        "+8801811000003",
    }

"""The public FSM pages through the Django client: apply by holding code, BIN
or location with the phone proved by a one-time code, the fee estimate, the
reference; track, cancel, feedback; wrong/expired/locked codes; per-address
throttling; nothing personal about owners; two municipalities."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.fsm import services as fsm
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from backoffice.notifications.models import SmsMessage
from backoffice.registry import services as registry
from backoffice.registry.models import HoldingOwner
from citizen import throttle
from citizen.models import OneTimeCode
from tests.backoffice.fsm.test_services import run_to_emptied, setup_tenant
from tests.citizen.otp_support import code_from_outbox

PHONE_TYPED = "01911-000001"
PHONE = "+8801911000001"
OWNER = {"name_en": "Rahima Begum", "name_bn": "রহিমা বেগম", "phone": "01712345678"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # this suite's own Redis database: throttle counters start at zero
    yield


@pytest.fixture
def khulna(tenant_a):
    with schema_context(tenant_a.schema_name):
        ctx = setup_tenant(tenant_a)
        owner = registry.owner_create(actor=ctx["manager"], **OWNER)
        HoldingOwner.objects.create(holding=ctx["holding"], owner=owner)
        ctx["tenant"] = tenant_a
    return ctx


def in_schema(ctx):
    return schema_context(ctx["tenant"].schema_name)


def otp_code(ctx, phone=PHONE) -> str:
    with in_schema(ctx):
        return code_from_outbox(phone)


def start(client, lang="en", **data):
    fields = {"phone": PHONE_TYPED, "applicant_name": "Karim", **data}
    return client.post(f"/{lang}/fsm/apply/", fields)


def assert_no_owner_data(response):
    text = response.content.decode()
    for value in (*OWNER.values(), "1712345678"):
        assert value not in text


def apply(client, ctx, lang="en", **data) -> str:
    response = start(client, lang, **data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == f"/{lang}/fsm/apply/verify/"
    response = client.post(response.url, {"code": otp_code(ctx)})
    assert response.status_code == 302 and response.url == f"/{lang}/fsm/apply/confirm/"
    response = client.get(response.url)
    assert response.status_code == 200
    assert_no_owner_data(response)
    response = client.post(f"/{lang}/fsm/apply/confirm/")
    assert response.status_code == 302 and response.url == f"/{lang}/fsm/apply/done/"
    response = client.get(response.url)
    return re.search(r'id="reference">([^<]+)<', response.content.decode()).group(1)


# --- apply ---------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "text"), [("en", "Holding code"), ("bn", "হোল্ডিং কোড")])
def test_apply_page_in_both_languages(client_a, khulna, lang, text):
    response = client_a.get(f"/{lang}/fsm/apply/")
    assert response.status_code == 200
    page = response.content.decode()
    assert text in page and f'lang="{lang}"' in page
    assert "Ward 1" in page or "ওয়ার্ড 1" in page  # the ward picker


def test_apply_by_holding_code_end_to_end(client_a, khulna):
    response = start(client_a, holding_code="০১ ০০১ ০০০১ ০০")  # Bangla digits, spaces
    assert response.status_code == 302
    response = client_a.post(response.url, {"code": otp_code(khulna)})
    response = client_a.get(response.url)
    page = response.content.decode()
    assert "01-001-0001-00" in page and "Fee estimate" in page
    assert "৳" in page  # a seeded slab gives an amount
    assert_no_owner_data(response)
    response = client_a.post("/en/fsm/apply/confirm/")
    reference = re.search(
        r'id="reference">([^<]+)<', client_a.get(response.url).content.decode()
    ).group(1)
    with in_schema(khulna):
        application = EmptyingApplication.objects.get(reference=reference)
        assert application.holding == khulna["holding"]
        assert application.building == khulna["building"]  # the holding's only building
        assert application.applicant_phone == PHONE and application.applicant_name == "Karim"
        assert application.state == wf.SUBMITTED and application.applied_by_channel == "online"
        sms = SmsMessage.objects.get(template_key="fsm.submitted")
        assert reference in sms.body and sms.phone == PHONE and sms.language == "en"
        assert "/en/fsm/track/" in sms.body
    # the same session's second visit to the confirm page does not apply twice
    assert client_a.post("/en/fsm/apply/confirm/").url == "/en/fsm/apply/"


def test_apply_by_bin(client_a, khulna):
    reference = apply(client_a, khulna, bin=khulna["building"].bin.lower())
    with in_schema(khulna):
        application = EmptyingApplication.objects.get(reference=reference)
    assert application.building == khulna["building"] and application.holding is None


def test_apply_by_ward_and_address(client_a, khulna):
    reference = apply(client_a, khulna, ward="2", address="Behind the Boro Bazar mosque")
    with in_schema(khulna):
        application = EmptyingApplication.objects.get(reference=reference)
    assert application.holding is None and application.building is None
    # The ward as named, the address as given, no made-up point.
    assert application.ward.number == 2 and application.location is None
    assert application.address == "Behind the Boro Bazar mosque"


def test_apply_with_a_gps_point(client_a, khulna):
    reference = apply(
        client_a, khulna, ward="1", address="Near the pond", latitude="22.8255", longitude="89.5555"
    )
    with in_schema(khulna):
        application = EmptyingApplication.objects.get(reference=reference)
    assert (round(application.location.x, 4), round(application.location.y, 4)) == (
        89.5555,
        22.8255,
    )
    assert application.address == "Near the pond"
    assert application.ward.number == 1  # the ward the point falls in


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"holding_code": "01-001-001-00"}, "The holding number part must have 4 digits"),
        ({"holding_code": "09-009-0009-09"}, "No holding with this code in this municipality."),
        ({"bin": "KHU-9999999"}, "No building with this number in this municipality."),
        ({}, "Give the holding code or the BIN, or choose your ward and give an address."),
        (
            {"ward": "1", "address": "x", "latitude": "23.8", "longitude": "90.4"},
            "That location is outside this municipality.",
        ),
        ({"holding_code": "01-001-0001-00", "phone": "12345"}, "Enter a Bangladeshi mobile number"),
    ],
)
def test_apply_refusals(client_a, khulna, data, field_error):
    response = start(client_a, **data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    with in_schema(khulna):
        assert not OneTimeCode.objects.exists()


def test_apply_refusal_in_bangla(client_a, khulna):
    response = start(client_a, "bn", holding_code="09-009-0009-09")
    page = response.content.decode()
    assert "No holding" not in page and "হোল্ডিং" in page


def test_the_confirm_step_needs_a_proved_phone(client_a, khulna):
    assert client_a.get("/en/fsm/apply/confirm/").url == "/en/fsm/apply/"
    start(client_a, holding_code="01-001-0001-00")
    assert client_a.get("/en/fsm/apply/confirm/").url == "/en/fsm/apply/verify/"
    assert client_a.post("/en/fsm/apply/confirm/").url == "/en/fsm/apply/verify/"
    with in_schema(khulna):
        assert not EmptyingApplication.objects.exists()


def test_wrong_code_then_right_code(client_a, khulna):
    start(client_a, holding_code="01-001-0001-00")
    code = otp_code(khulna)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client_a.post("/en/fsm/apply/verify/", {"code": wrong})
    assert (
        response.status_code == 200 and "Wrong code. 4 attempts left." in response.content.decode()
    )
    response = client_a.post("/en/fsm/apply/verify/", {"code": code})
    assert response.url == "/en/fsm/apply/confirm/"


def test_expired_code(client_a, khulna):
    start(client_a, holding_code="01-001-0001-00")
    code = otp_code(khulna)
    with in_schema(khulna):
        OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client_a.post("/bn/fsm/apply/verify/", {"code": code})
    page = response.content.decode()
    assert response.status_code == 200 and "মেয়াদ" in page  # "expired", in Bangla


def test_too_many_wrong_codes_lock_the_phone(client_a, khulna):
    start(client_a, holding_code="01-001-0001-00")
    code = otp_code(khulna)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        response = client_a.post("/en/fsm/apply/verify/", {"code": wrong})
    assert "Too many wrong codes. Try again in 15 minutes." in response.content.decode()
    response = client_a.post("/en/fsm/apply/verify/", {"code": code})
    assert response.status_code == 200 and "Too many wrong codes" in response.content.decode()
    # asking for a new code is refused too, on this page and from the start
    response = client_a.post("/en/fsm/apply/verify/", {"resend": "1"})
    assert "Too many wrong codes" in response.content.decode()
    response = start(client_a, holding_code="01-001-0001-00")
    assert response.status_code == 200 and "Too many wrong codes" in response.content.decode()
    with in_schema(khulna):
        assert not EmptyingApplication.objects.exists()


def test_resend_is_rate_limited(client_a, khulna):
    start(client_a, holding_code="01-001-0001-00")
    response = client_a.post("/en/fsm/apply/verify/", {"resend": "1"})
    assert "Wait" in response.content.decode()
    with in_schema(khulna):
        OneTimeCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    response = client_a.post("/en/fsm/apply/verify/", {"resend": "1"})
    assert "A new code is on its way." in response.content.decode()


def test_lookups_are_throttled_per_address(client_a, khulna, monkeypatch):
    monkeypatch.setattr(throttle, "LOOKUPS_PER_WINDOW", 3)
    for _ in range(3):
        assert start(client_a, holding_code="09-009-0009-09").status_code == 200
    response = start(client_a, holding_code="01-001-0001-00")
    assert response.status_code == 429 and "Too many" in response.content.decode()
    other = client_a.__class__(HTTP_HOST="khulna.localhost", REMOTE_ADDR="10.1.2.3")
    assert start(other, holding_code="09-009-0009-09").status_code == 200


# --- track, cancel, feedback ------------------------------------------------------


def track(client, ctx, reference, lang="en", phone=PHONE_TYPED):
    response = client.post(f"/{lang}/fsm/track/", {"reference": reference, "phone": phone})
    if response.status_code != 302 or not response.url.endswith("/track/verify/"):
        return response
    return client.post(response.url, {"code": otp_code(ctx)})


def citizen_application(ctx, **extra) -> EmptyingApplication:
    with in_schema(ctx):
        return fsm.application_submit(
            actor=None,
            role=wf.CITIZEN,
            holding=ctx["holding"],
            applicant_phone=PHONE,
            **extra,
        )


def test_track_by_reference_and_phone(client_a, khulna):
    application = citizen_application(khulna)
    response = track(client_a, khulna, application.reference.lower())
    assert response.url == f"/en/fsm/status/{application.reference}/"
    response = client_a.get(response.url)
    page = response.content.decode()
    assert response.status_code == 200
    assert application.reference in page and "Submitted" in page
    assert "Cancel the application" in page and "How was the service?" not in page
    assert_no_owner_data(response)


def test_track_refusals(client_a, khulna):
    application = citizen_application(khulna)
    for reference, phone in ((application.reference, "01911000999"), ("KHU-E2026-999999", PHONE)):
        response = client_a.post("/en/fsm/track/", {"reference": reference, "phone": phone})
        assert response.status_code == 200
        assert "No application has this reference and mobile number." in response.content.decode()
    # without a proved phone the status page sends the visitor to track first
    response = client_a.get(f"/en/fsm/status/{application.reference}/")
    assert response.url == f"/en/fsm/track/?reference={application.reference}"
    assert client_a.post(f"/en/fsm/status/{application.reference}/cancel/").status_code == 404


def test_track_with_a_wrong_code(client_a, khulna):
    application = citizen_application(khulna)
    client_a.post("/en/fsm/track/", {"reference": application.reference, "phone": PHONE_TYPED})
    response = client_a.post("/en/fsm/track/verify/", {"code": "000000x"})
    assert response.status_code == 200 and "Wrong code" in response.content.decode()


def test_status_shows_dates_not_staff(client_a, khulna):
    with in_schema(khulna):
        application = run_to_emptied(khulna)
        EmptyingApplication.objects.filter(pk=application.pk).update(applicant_phone=PHONE)
    response = client_a.get(track(client_a, khulna, application.reference).url)
    page = response.content.decode()
    for label in ("Submitted", "Assessed", "Fee settled", "Scheduled", "Emptied"):
        assert label in page
    for staff in ("fsm_manager", "service_provider", "Clean Khulna", "KHULNA-HA-11-2233"):
        assert staff not in page
    assert "Cancel the application" not in page  # too late for the citizen


def test_citizen_cancels_while_allowed(client_a, khulna):
    application = citizen_application(khulna)
    track(client_a, khulna, application.reference)
    response = client_a.post(
        f"/en/fsm/status/{application.reference}/cancel/", {"reason": "Emptied privately"}
    )
    assert response.status_code == 302
    page = client_a.get(response.url).content.decode()
    assert "Cancelled" in page and "Cancel the application" not in page
    with in_schema(khulna):
        application.refresh_from_db()
        assert application.state == wf.CANCELLED and application.reason == "Emptied privately"
        assert SmsMessage.objects.filter(template_key="fsm.cancelled", phone=PHONE).exists()
    # a second cancel is refused with a translated reason
    response = client_a.post(f"/bn/fsm/status/{application.reference}/cancel/")
    assert response.status_code == 400 and "আবেদনের বর্তমান পর্যায়ে" in response.content.decode()


def test_feedback_once_the_job_is_closed(client_a, khulna):
    with in_schema(khulna):
        application = run_to_emptied(khulna)
        EmptyingApplication.objects.filter(pk=application.pk).update(applicant_phone=PHONE)
        fsm.application_transition(
            actor=khulna["caretaker"],
            role="caretaker",
            application=application,
            action=wf.DISPOSE,
            plant=khulna["plant"],
            disposed_volume_m3=Decimal("3.8"),
        )
    status_url = track(client_a, khulna, application.reference).url
    page = client_a.get(status_url).content.decode()
    assert "How was the service?" in page
    response = client_a.post(
        f"/en/fsm/status/{application.reference}/feedback/", {"satisfaction": "9"}
    )
    assert response.status_code == 400
    response = client_a.post(
        f"/en/fsm/status/{application.reference}/feedback/",
        {"satisfaction": "4", "crew_wore_ppe": "no", "comments": "No gloves"},
    )
    assert response.status_code == 302
    page = client_a.get(status_url).content.decode()
    assert "Thank you for your feedback." in page and "How was the service?" not in page
    with in_schema(khulna):
        application.refresh_from_db()
    assert (application.satisfaction, application.crew_wore_ppe) == (4, False)
    assert application.comments == "No gloves" and application.feedback_at is not None
    response = client_a.post(
        f"/en/fsm/status/{application.reference}/feedback/", {"satisfaction": "5"}
    )
    assert response.status_code == 400


# --- two municipalities ---------------------------------------------------------


def test_a_reference_is_only_found_in_its_municipality(client_a, client_b, khulna, tenant_b):
    application = citizen_application(khulna)
    response = client_b.post(
        "/en/fsm/track/", {"reference": application.reference, "phone": PHONE_TYPED}
    )
    assert "No application has this reference and mobile number." in response.content.decode()
    # a phone proved in Khulna's session proves nothing in Jashore's
    track(client_a, khulna, application.reference)
    assert client_b.get(f"/en/fsm/status/{application.reference}/").status_code == 302
    # and Khulna's holding is unknown in Jashore
    response = start(client_b, holding_code="01-001-0001-00")
    assert "No holding with this code in this municipality." in response.content.decode()
    with schema_context(tenant_b.schema_name):
        assert not OneTimeCode.objects.exists() and not SmsMessage.objects.exists()


def test_a_retired_holding_takes_no_application(client_a, khulna):
    with in_schema(khulna):
        type(khulna["holding"]).objects.filter(pk=khulna["holding"].pk).update(status="retired")
    response = start(client_a, holding_code="01-001-0001-00")
    assert "No holding with this code in this municipality." in response.content.decode()


def test_a_phone_proved_in_this_session_needs_no_second_code(client_a, khulna):
    first = apply(client_a, khulna, holding_code="01-001-0001-00")
    response = start(client_a, bin=khulna["building"].bin)
    assert response.url == "/en/fsm/apply/confirm/"  # no code this time
    client_a.post(response.url)
    with in_schema(khulna):
        assert OneTimeCode.objects.count() == 1
        assert EmptyingApplication.objects.exclude(reference=first).count() == 1


def test_feedback_form_preselects_nothing_and_unknown_ppe_is_none():
    from citizen.forms import FeedbackForm

    assert "checked" not in str(FeedbackForm())
    form = FeedbackForm({"satisfaction": "3", "crew_wore_ppe": "unknown"})
    assert form.is_valid() and form.cleaned_data["crew_wore_ppe"] is None


def test_bangla_pages_use_bengali_digits_for_dates_and_wards(client_a, khulna):
    application = citizen_application(khulna)
    status_url = track(client_a, khulna, application.reference, lang="bn").url
    page = client_a.get(status_url).content.decode()
    year = str(timezone.localdate().year).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    assert year in page and application.reference in page  # the reference stays typeable
    assert "০১ ওয়ার্ড 1" in client_a.get("/bn/fsm/apply/").content.decode()


def test_a_double_tap_on_confirm_makes_one_application(client_a, khulna):
    start(client_a, holding_code="01-001-0001-00")
    client_a.post("/en/fsm/apply/verify/", {"code": otp_code(khulna)})
    pending = dict(client_a.session["fsm_apply"])
    client_a.post("/en/fsm/apply/confirm/")
    # the second tap arrives with the session as it was before the first finished
    session = client_a.session
    session["fsm_apply"] = pending
    session.save()
    response = client_a.post("/en/fsm/apply/confirm/")
    assert response.url == "/en/fsm/apply/done/"
    with in_schema(khulna):
        assert EmptyingApplication.objects.count() == 1


def test_sent_back_then_resubmitted_by_the_citizen(client_a, khulna):
    application = citizen_application(khulna, address="Old road")
    with in_schema(khulna):
        fsm.application_send_back(
            actor=khulna["manager"],
            role=wf.MANAGER,
            application=application,
            reason="Which house on the road?",
        )
    status_url = track(client_a, khulna, application.reference).url
    page = client_a.get(status_url).content.decode()
    assert "Which house on the road?" in page and "Send the application again" in page
    response = client_a.post(
        f"/en/fsm/status/{application.reference}/resubmit/",
        {"address": "House 12, Old road", "applicant_name": "Karim", "expected_state": "sent_back"},
    )
    assert response.status_code == 302
    with in_schema(khulna):
        application.refresh_from_db()
    assert application.state == wf.SUBMITTED and application.address == "House 12, Old road"
    page = client_a.get(status_url).content.decode()
    assert "Send the application again" not in page
    # a stale page (it showed "sent back") is refused with the office's message
    response = client_a.post(
        f"/en/fsm/status/{application.reference}/resubmit/",
        {"address": "x", "expected_state": "sent_back"},
    )
    assert response.status_code == 400


def test_pages_stay_light(client_a, khulna, django_assert_max_num_queries):
    application = citizen_application(khulna)
    status_url = track(client_a, khulna, application.reference).url
    for url, queries in (("/bn/fsm/apply/", 6), ("/bn/fsm/track/", 6), (status_url, 10)):
        with django_assert_max_num_queries(queries):
            response = client_a.get(url)
        assert response.status_code == 200
        assert len(response.content) < 20_000, url  # a cheap phone on 2G
        assert response.content.count(b"<script") <= 1  # no framework

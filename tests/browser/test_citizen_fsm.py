"""A citizen on a small phone, in Bangla, applies for emptying by holding code
(Bangla digits), reads the one-time code from the SMS that a real Celery
worker sent to the gateway simulator, sees the fee estimate, gets a
reference, then tracks the job from a fresh browser with a second code; once
staff have done their steps, the citizen sees the job closed and gives feedback.

The live server reads only committed data: records are made and removed by
``manage.py shell`` in a fresh process; the test never touches the ORM."""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.support.cleanup import manage

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db]

HOST = "jashore.localhost"
SCHEMA = "jashore"
CODE_BN = "০১-০০২-০০০৩-০০"
PHONE_BN = "০১৯১১০০০৭৭৭"
PHONE = "+8801911000777"

_SETUP = """
import json
from django_tenants.utils import schema_context
from backoffice.registry.models import Ward
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
with schema_context(%(schema)r):
    before = set(Ward.objects.values_list("pk", flat=True))
    wards = wards_make(2)
    building = building_make(ward=1, index=30)
    holding = holding_make(code="01-002-0003-00", buildings=[building])
    print(json.dumps({
        "buildings": [building.pk],
        "holdings": [holding.pk],
        "wards": [w.pk for w in wards if w.pk not in before],
    }))
"""

# The office, the provider and the caretaker do their steps (their own pages
# are tested elsewhere): assess, fee on service, schedule, empty, dispose.
_STAFF_STEPS = """
import datetime
from decimal import Decimal
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context
from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from tests.backoffice.fsm.factories import plant_make, provider_make
users = get_user_model().objects
with schema_context(%(schema)r):
    manager = users.get(username="fsm_manager")
    made = provider_make("Jashore Clean Ltd", "JASHORE-TA-11-0001",
                         member=users.get(username="service_provider"), actor=manager)
    plant = plant_make("Jashore FSTP", caretaker=users.get(username="caretaker"), actor=manager)
    app = EmptyingApplication.objects.get(reference=%(reference)r)
    app = services.application_assess(actor=manager, role=wf.MANAGER, application=app,
                                      containment_confirmed=True, estimated_volume_m3=Decimal("3"))
    app = services.application_fee_settle(actor=manager, role=wf.MANAGER, application=app,
                                          mode="pay_on_service")
    app = services.application_schedule(actor=manager, role=wf.MANAGER, application=app,
                                        provider=made["provider"], vehicle=made["vehicle"],
                                        crew=made["crew"], scheduled_for=datetime.date.today(),
                                        plant=plant)
    app = services.application_empty(actor=users.get(username="service_provider"),
                                     application=app, volume_m3=Decimal("2.9"))
    app = services.application_dispose(actor=users.get(username="caretaker"), application=app,
                                       plant=plant, volume_m3=Decimal("2.9"))
    print(app.state)
"""

_TEARDOWN = """
from django.db.models import Q
from django_tenants.utils import schema_context
from backoffice.fsm.models import (
    EmptyingApplication, ProviderMember, ServiceProvider, TreatmentPlant,
)
from backoffice.notifications.models import SmsMessage
from backoffice.registry.models import Building, ChangeRecord, Holding, Ward
from citizen.models import OneTimeCode
from tenants.audit.models import AuditEvent
made = %(made)r
with schema_context(%(schema)r):
    applications = EmptyingApplication.objects.filter(applicant_phone=%(phone)r)
    AuditEvent.objects.filter(
        object_type="fsm.emptyingapplication",
        object_id__in=[str(pk) for pk in applications.values_list("pk", flat=True)],
    ).delete()
    applications.delete()
    AuditEvent.objects.filter(action__startswith="fsm.").delete()
    providers = ServiceProvider.objects.filter(name="Jashore Clean Ltd")
    ProviderMember.objects.filter(provider__in=providers).delete()
    for provider in providers:
        provider.employees.all().delete()
        provider.vehicles.all().delete()
    providers.delete()
    TreatmentPlant.objects.filter(name="Jashore FSTP").delete()
    OneTimeCode.objects.filter(phone=%(phone)r).delete()
    SmsMessage.objects.filter(phone=%(phone)r).delete()
    ChangeRecord.objects.filter(
        Q(model="building", object_id__in=made["buildings"])
        | Q(model="holding", object_id__in=made["holdings"])
    ).delete()
    AuditEvent.objects.filter(object_type__startswith="registry.").delete()
    Holding.objects.filter(pk__in=made["holdings"]).delete()
    Building.objects.filter(pk__in=made["buildings"]).delete()
    Ward.objects.filter(pk__in=made["wards"]).delete()
"""


@pytest.fixture
def jashore_holding(live_portal, celery_worker, sms_simulator):
    sms_simulator.reset()
    result = manage("shell", "-c", _SETUP % {"schema": SCHEMA})
    assert result.returncode == 0, result.stderr[-2000:]
    made = json.loads(result.stdout.strip().splitlines()[-1])
    yield made
    result = manage("shell", "-c", _TEARDOWN % {"schema": SCHEMA, "made": made, "phone": PHONE})
    assert result.returncode == 0, result.stderr[-2000:]
    sms_simulator.reset()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"citizen_fsm_{name}.png"), full_page=True)


def wait_for_sms(simulator, count: int) -> str:
    """The text of SMS number ``count`` to the citizen, once the worker sent it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = simulator.messages(PHONE)
        if len(messages) >= count:
            return messages[count - 1]["sms_body"]
        time.sleep(0.2)
    raise AssertionError(f"SMS {count} never reached the gateway simulator")


def one_time_code(text: str) -> str:
    return re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", text).group(1)


def test_citizen_applies_in_bangla_and_tracks_the_job(
    page, browser, url, jashore_holding, sms_simulator
):
    page.goto(url(HOST, "/bn/"))
    page.get_by_role("link", name="পয়ঃবর্জ্য খালিকরণের জন্য আবেদন করুন").click()
    expect(page).to_have_url(re.compile(r"/bn/fsm/apply/$"))
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    page.fill("input[name=holding_code]", CODE_BN)
    page.fill("input[name=applicant_name]", "করিম")
    page.fill("input[name=phone]", PHONE_BN)
    shot(page, "apply")
    page.get_by_role("button", name="এগিয়ে যান").click()

    expect(page).to_have_url(re.compile(r"/bn/fsm/apply/verify/$"))
    text = wait_for_sms(sms_simulator, 1)
    assert "এককালীন কোড" in text and "যশোর পৌরসভা" in text  # the Bangla template
    page.fill("input[name=code]", one_time_code(text))
    page.get_by_role("button", name="নিশ্চিত করুন").click()

    expect(page).to_have_url(re.compile(r"/bn/fsm/apply/confirm/$"))
    expect(page.get_by_role("heading", name="আনুমানিক ফি")).to_be_visible()
    expect(page.locator(".fee")).to_contain_text("৳")
    expect(page.get_by_text("01-002-0003-00")).to_be_visible()
    shot(page, "confirm")
    page.get_by_role("button", name="আবেদন নিশ্চিত করুন").click()

    expect(page).to_have_url(re.compile(r"/bn/fsm/apply/done/$"))
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]+-?E\d{4}-\d{6}", reference), reference
    receipt = wait_for_sms(sms_simulator, 2)
    assert reference in receipt and "গৃহীত" in receipt

    # Later, from another phone's browser: track by reference and mobile number.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="bn-BD")
    context.set_default_timeout(15_000)
    other = context.new_page()
    try:
        other.goto(url(HOST, "/bn/fsm/track/"))
        other.fill("input[name=reference]", reference.lower())
        other.fill("input[name=phone]", "01911000777")
        other.get_by_role("button", name="এগিয়ে যান").click()
        expect(other).to_have_url(re.compile(r"/bn/fsm/track/verify/$"))
        other.fill("input[name=code]", one_time_code(wait_for_sms(sms_simulator, 3)))
        other.get_by_role("button", name="নিশ্চিত করুন").click()
        expect(other).to_have_url(re.compile(rf"/bn/fsm/status/{reference}/$"))
        expect(other.locator("#state")).to_have_text("জমা দেওয়া হয়েছে")
        expect(other.locator("ol.history li")).to_have_count(1)
        expect(other.get_by_role("button", name="আবেদন বাতিল করুন")).to_be_visible()
        # large touch targets on a 360 px screen
        box = other.get_by_role("button", name="আবেদন বাতিল করুন").bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= 360

        # The job is done by staff; the citizen sees it closed and gives feedback.
        result = manage("shell", "-c", _STAFF_STEPS % {"schema": SCHEMA, "reference": reference})
        assert result.returncode == 0 and "closed" in result.stdout, result.stderr[-2000:]
        other.reload()
        expect(other.locator("#state")).to_have_text("সমাপ্ত")
        expect(other.locator("ol.history li")).to_have_count(6)
        expect(other.get_by_role("button", name="আবেদন বাতিল করুন")).to_have_count(0)
        shot(other, "closed")
        other.get_by_label("৪ - সন্তুষ্ট").check()
        other.get_by_label("হ্যাঁ").check()
        other.fill("textarea[name=comments]", "কর্মীরা সময়মতো এসেছিলেন।")
        other.get_by_role("button", name="মতামত পাঠান").click()
        expect(other.get_by_text("আপনার মতামতের জন্য ধন্যবাদ।")).to_be_visible()
    finally:
        context.close()

"""FSM staff on their own devices, end to end through the real server.

The manager assigns a job from the inbox; the service provider, on a
360x740 phone, fills the emptying form with a photo from the "camera"; the
caretaker confirms the load at the plant, which closes the job.  The second
test is the whole journey: a citizen applies in Bangla (one-time code from
the SMS a real Celery worker sent to the gateway simulator), the office
finds it by the Bangla holding code, assesses, settles the fee and
schedules, the provider empties, the caretaker confirms, and the citizen
tracks the job and leaves feedback (tracking from another phone with a
second code is tests/browser/test_citizen_fsm.py's).

The live server reads only committed data: records are made and removed by
``manage.py shell`` in a fresh process; the tests never touch the ORM."""

import datetime
import io
import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.support.cleanup import manage
from tests.support.tenancy import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HOST = "khulna.localhost"
SCHEMA = "khulna"
STAFF_CODE = "03-004-0055-00"
CITIZEN_CODE = "03-004-0056-00"
CITIZEN_CODE_BN = "০৩-০০৪-০০৫৬-০০"
CITIZEN_PHONE = "+8801911000888"
CITIZEN_PHONE_BN = "০১৯১১০০০৮৮৮"
PROVIDER = "Browser Test Sanitation"

_SETUP = """
import datetime, json
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django_tenants.utils import schema_context
from backoffice.fsm import services, workflow as wf
from backoffice.fsm.models import (
    ContainmentType, Employee, ProviderMember, ServiceProvider, TreatmentPlant, Vehicle,
)
from backoffice.registry.models import Ward
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
with schema_context(%(schema)r):
    users = get_user_model().objects
    manager = users.get(username="fsm_manager")
    provider_user = users.get(username="service_provider")
    member = ProviderMember.objects.filter(user_id=provider_user.pk).first()
    before = set(Ward.objects.values_list("pk", flat=True))
    wards = wards_make(3)
    kind = ContainmentType.objects.get(code="septic_soak_pit")
    made = {"wards": [w.pk for w in wards if w.pk not in before], "buildings": [],
            "holdings": [], "containments": [], "applications": [],
            "previous_member": [member.provider_id, member.user_id] if member else None}
    for index, code in ((41, %(staff_code)r), (42, %(citizen_code)r)):
        building = building_make(manager, ward=3, index=index)
        holding = holding_make(manager, code=code, buildings=[building])
        containment = services.containment_create(
            actor=manager, containment_type=kind, volume_m3=Decimal("3.5"),
            constructed_on=datetime.date(2021, 1, 1), responsible_building=building,
        )
        made["buildings"].append(building.pk)
        made["holdings"].append(holding.pk)
        made["containments"].append(containment.pk)
    provider = ServiceProvider.objects.create(name=%(provider)r, phone="01711000001")
    vehicle = Vehicle.objects.create(
        provider=provider, plate="KHULNA-BT-7001", capacity_m3=Decimal("4"), width_m=Decimal("1.6")
    )
    crew = Employee.objects.create(provider=provider, name="Rafiq Driver", role="driver")
    if member:
        member.delete()
    ProviderMember.objects.create(provider=provider, user_id=provider_user.pk)
    plant = TreatmentPlant.objects.create(
        name="Browser Test FSTP", kind="fstp", location=Point(89.5, 22.8, srid=4326),
        capacity_m3_per_day=Decimal("50"), caretaker_id=users.get(username="caretaker").pk,
    )
    app = services.application_submit(
        actor=manager, role=wf.MANAGER, channel="phone",
        holding=holding.__class__.objects.get(code=%(staff_code)r),
        applicant_name="Karim Mia", applicant_phone="01712000555",
    )
    app = services.application_transition(
        actor=manager, role=wf.MANAGER, application=app, action=wf.ASSESS,
        estimated_volume_m3=Decimal("3.0"), trips_estimated=1,
    )
    app = services.application_transition(
        actor=manager, role=wf.MANAGER, application=app, action=wf.SETTLE_FEE,
        fee_mode="pay_on_service",
    )
    made["applications"].append(app.pk)
    made.update(reference=app.reference, provider=provider.pk, vehicle=vehicle.pk, crew=crew.pk,
                plant=plant.pk)
    print(json.dumps(made))
"""

_TEARDOWN = """
from django.db.models import Q
from django_tenants.utils import schema_context
from backoffice.fsm.models import (
    Containment, EmptyingApplication, EmptyingPhoto, ProviderMember, ServiceProvider,
    TreatmentPlant,
)
from backoffice.notifications.models import SmsMessage
from backoffice.registry.models import Building, ChangeRecord, Holding, Ward
from citizen.models import OneTimeCode
from tenants.audit.models import AuditEvent
made = %(made)r
with schema_context(%(schema)r):
    apps = EmptyingApplication.objects.filter(
        Q(pk__in=made["applications"]) | Q(holding_id__in=made["holdings"])
    )
    ids = [str(pk) for pk in apps.values_list("pk", flat=True)]
    for photo in EmptyingPhoto.objects.filter(application__in=apps):
        photo.image.delete(save=False)
    AuditEvent.objects.filter(object_type="fsm.emptyingapplication", object_id__in=ids).delete()
    apps.delete()
    AuditEvent.objects.filter(
        object_type="fsm.containment", object_id__in=[str(pk) for pk in made["containments"]]
    ).delete()
    Containment.objects.filter(pk__in=made["containments"]).delete()
    ProviderMember.objects.filter(provider_id=made["provider"]).delete()
    if made["previous_member"]:
        provider_id, user_id = made["previous_member"]
        ProviderMember.objects.create(provider_id=provider_id, user_id=user_id)
    ServiceProvider.objects.filter(pk=made["provider"]).delete()
    TreatmentPlant.objects.filter(pk=made["plant"]).delete()
    OneTimeCode.objects.filter(phone=%(phone)r).delete()
    SmsMessage.objects.filter(phone=%(phone)r).delete()
    ChangeRecord.objects.filter(
        Q(model="building", object_id__in=made["buildings"])
        | Q(model="holding", object_id__in=made["holdings"])
    ).delete()
    Holding.objects.filter(pk__in=made["holdings"]).delete()
    Building.objects.filter(pk__in=made["buildings"]).delete()
    Ward.objects.filter(pk__in=made["wards"]).delete()
"""


@pytest.fixture
def fsm_data(live_portal):
    script = _SETUP % {
        "schema": SCHEMA,
        "staff_code": STAFF_CODE,
        "citizen_code": CITIZEN_CODE,
        "provider": PROVIDER,
    }
    result = manage("shell", "-c", script)
    assert result.returncode == 0, result.stderr[-3000:]
    made = json.loads(result.stdout.strip().splitlines()[-1])
    yield made
    result = manage(
        "shell", "-c", _TEARDOWN % {"schema": SCHEMA, "made": made, "phone": CITIZEN_PHONE}
    )
    assert result.returncode == 0, result.stderr[-3000:]


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (110, 80, 50)).save(buffer, "JPEG")
    return buffer.getvalue()


def staff_page(browser, url, username: str, *, phone: bool = False, locale: str = "en-US"):
    viewport = {"width": 360, "height": 740} if phone else {"width": 1024, "height": 800}
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(url(HOST, "/staff/login/"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(url(HOST, "/staff/"))
    return page


def fits_the_screen(page, width: int = 360) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def manager_assesses_and_settles(page, url, reference: str) -> None:
    page.goto(url(HOST, f"/staff/fsm/applications/{reference}/"))
    section = page.locator("#action-assess")
    section.locator("[name=assess-estimated_volume_m3]").fill("3.0")
    section.locator("[name=assess-trips_estimated]").fill("1")
    section.locator("[name=assess-access_notes]").fill("Lane 3 m wide")
    section.get_by_role("button", name="Assess").click()
    expect(page.locator("#state")).to_have_attribute("data-state", "assessed")
    section = page.locator("#action-settle_fee")
    section.locator("[name=settle_fee-fee_mode]").select_option("pay_on_service")
    section.get_by_role("button", name="Settle the fee").click()
    expect(page.locator("#state")).to_have_attribute("data-state", "fee_settled")


def manager_assigns(page, url, reference: str, data: dict) -> None:
    page.goto(url(HOST, "/staff/fsm/"))
    expect(page).to_have_url(url(HOST, "/staff/fsm/inbox/"))
    page.locator("#state-tabs [data-tab=fee_settled]").click()
    page.locator("#applications").get_by_role("link", name=reference).click()
    expect(page).to_have_url(url(HOST, f"/staff/fsm/applications/{reference}/"))
    section = page.locator("#action-schedule")
    section.locator("[name=schedule-provider]").select_option(str(data["provider"]))
    section.locator("[name=schedule-vehicle]").select_option(str(data["vehicle"]))
    section.locator(f"[name=schedule-crew][value='{data['crew']}']").check()
    section.locator("[name=schedule-plant]").select_option(str(data["plant"]))
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    section.locator("[name=schedule-scheduled_for]").fill(tomorrow.isoformat())
    section.get_by_role("button", name="Schedule").click()
    expect(page.locator(".messages")).to_contain_text(f"{reference}: Schedule done.")
    expect(page.locator("#state")).to_have_attribute("data-state", "scheduled")
    expect(page.locator("#assignments")).to_contain_text(PROVIDER)


def provider_empties(page, url, reference: str) -> None:
    page.goto(url(HOST, "/staff/fsm/"))
    expect(page).to_have_url(url(HOST, "/staff/fsm/jobs/"))
    fits_the_screen(page)
    page.locator("#todo").get_by_role("link", name=re.compile(reference)).click()
    expect(page).to_have_url(url(HOST, f"/staff/fsm/jobs/{reference}/"))
    fits_the_screen(page)
    camera = page.locator("[name=empty-site_photos]")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    page.locator("[name=empty-emptied_volume_m3]").fill("3.2")
    page.locator("[name=empty-trips]").fill("1")
    page.locator("[name=empty-emptying_started_at]").fill("2026-11-30T09:00")
    page.locator("[name=empty-emptying_ended_at]").fill("2026-11-30T10:15")
    page.locator("[name=empty-emptying_cost]").fill("1800")
    page.locator("[name=empty-emptying_receipt_number]").fill("RC-2201")
    photo = {"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    camera.set_input_files([photo])
    page.locator("[name=empty-receipt_photo]").set_input_files([{**photo, "name": "receipt.jpg"}])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fsm-provider-emptying-form.png"), full_page=True)
    save = page.get_by_role("button", name="Save: emptied")
    box = save.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    save.click()
    expect(page).to_have_url(url(HOST, "/staff/fsm/jobs/"))
    expect(page.locator(".messages")).to_contain_text(f"{reference} recorded as emptied")
    expect(page.locator("#done")).to_contain_text(reference)


def caretaker_confirms(page, url, reference: str) -> None:
    page.goto(url(HOST, "/staff/fsm/"))
    expect(page).to_have_url(url(HOST, "/staff/fsm/arrivals/"))
    page.locator("#waiting").get_by_role("link", name=re.compile(reference)).click()
    expect(page.locator("[name=dispose-disposed_volume_m3]")).to_have_value("3.20")
    page.get_by_role("button", name="Confirm the disposal").click()
    expect(page).to_have_url(url(HOST, "/staff/fsm/arrivals/"))
    expect(page.locator(".messages")).to_contain_text("the job is closed")
    expect(page.locator("#confirmed")).to_contain_text(reference)


def test_manager_assigns_provider_empties_on_a_phone_caretaker_confirms(browser, url, fsm_data):
    reference = fsm_data["reference"]
    manager = staff_page(browser, url, "fsm_manager")
    provider = staff_page(browser, url, "service_provider", phone=True)
    caretaker = staff_page(browser, url, "caretaker", phone=True)
    try:
        manager_assigns(manager, url, reference, fsm_data)
        provider_empties(provider, url, reference)
        caretaker_confirms(caretaker, url, reference)
        manager.goto(url(HOST, f"/staff/fsm/applications/{reference}/"))
        expect(manager.locator("#state")).to_have_attribute("data-state", "closed")
        manager.screenshot(path=str(ARTIFACTS / "fsm-application-closed.png"), full_page=True)
        expect(manager.locator("#photos img")).to_have_count(2)
        expect(manager.locator("#history .entry")).to_have_count(6)
    finally:
        for page in (manager, provider, caretaker):
            page.context.close()


# --- the whole journey, citizen included ------------------------------------


def wait_for_code(simulator, seen: int) -> tuple[str, int]:
    """The one-time code of the first OTP SMS after the first ``seen`` messages."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = simulator.messages(CITIZEN_PHONE)
        for index, message in enumerate(messages[seen:], start=seen):
            found = re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", message["sms_body"])
            if found and "এককালীন কোড" in message["sms_body"]:
                return found.group(1), index + 1
        time.sleep(0.2)
    raise AssertionError("no one-time code reached the gateway simulator")


@pytest.mark.worker
def test_citizen_to_feedback(browser, url, fsm_data, celery_worker, sms_simulator):
    sms_simulator.reset()
    citizen_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="bn-BD")
    citizen_context.set_default_timeout(15_000)
    citizen = citizen_context.new_page()
    manager = staff_page(browser, url, "fsm_manager")
    provider = staff_page(browser, url, "service_provider", phone=True)
    caretaker = staff_page(browser, url, "caretaker", phone=True)
    try:
        # The citizen applies in Bangla with the holding code in Bangla digits.
        citizen.goto(url(HOST, "/bn/fsm/apply/"))
        expect(citizen.locator("html")).to_have_attribute("lang", "bn")
        citizen.fill("input[name=holding_code]", CITIZEN_CODE_BN)
        citizen.fill("input[name=applicant_name]", "করিম")
        citizen.fill("input[name=phone]", CITIZEN_PHONE_BN)
        citizen.get_by_role("button", name="এগিয়ে যান").click()
        code, _seen = wait_for_code(sms_simulator, 0)
        citizen.fill("input[name=code]", code)
        citizen.get_by_role("button", name="নিশ্চিত করুন").click()
        expect(citizen.locator(".fee")).to_contain_text("৳")
        citizen.get_by_role("button", name="আবেদন নিশ্চিত করুন").click()
        reference = citizen.locator("#reference").inner_text().strip()

        # The office finds it by the holding code, assesses, settles, assigns.
        manager.goto(url(HOST, "/staff/fsm/inbox/"))
        manager.locator("#inbox-search [name=q]").fill(CITIZEN_CODE_BN)
        manager.locator("#inbox-search").get_by_role("button", name="Search").click()
        expect(manager.locator("#applications tbody tr")).to_have_count(1)
        expect(manager.locator("#applications")).to_contain_text(reference)
        manager_assesses_and_settles(manager, url, reference)
        manager_assigns(manager, url, reference, fsm_data)
        provider_empties(provider, url, reference)
        caretaker_confirms(caretaker, url, reference)

        # The citizen tracks the job (this phone proved the number when applying)
        # and leaves feedback.
        citizen.goto(url(HOST, "/bn/fsm/track/"))
        citizen.fill("input[name=reference]", reference.lower())
        citizen.fill("input[name=phone]", CITIZEN_PHONE_BN)
        citizen.get_by_role("button", name="এগিয়ে যান").click()
        expect(citizen).to_have_url(re.compile(rf"/bn/fsm/status/{reference}/$"))
        expect(citizen.locator("#state")).to_have_text("সমাপ্ত")
        citizen.locator("input[name=satisfaction][value='5']").check()
        citizen.locator("input[name=crew_wore_ppe][value=yes]").check()
        citizen.fill("textarea[name=comments]", "সময়মতো কাজ হয়েছে")
        citizen.get_by_role("button", name="মতামত পাঠান").click()
        expect(citizen.locator(".notice")).to_be_visible()
        manager.goto(url(HOST, f"/staff/fsm/applications/{reference}/"))
        expect(manager.locator("#history")).to_contain_text("Give feedback")
    finally:
        for page in (citizen, manager, provider, caretaker):
            page.context.close()

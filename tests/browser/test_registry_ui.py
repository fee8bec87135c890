"""The registry as staff use it on a phone: a GIS officer drags a corner of a
footprint and saves; a revenue collector, in Bangla, finds a holding by a
code typed with Bangla digits.

The live server reads only committed data, so the records are made (and
removed afterwards) by ``manage.py shell`` in a fresh process; these tests
never touch the ORM themselves."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.support.cleanup import manage
from tests.support.tenancy import PASSWORD

# django_db only so that pytest-django sets the test database up even when
# this module runs alone (it sets up only the databases some test asks for;
# with none, the live server and manage() would reach the development database).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HOST = "khulna.localhost"
CODE = "03-017-0429-01"
CODE_BN = "০৩-০১৭-০৪২৯-০১"

_SETUP = """
import json
from django_tenants.utils import schema_context
from backoffice.registry import services
from backoffice.registry.models import Ward
from tests.backoffice.registry.factories import building_make, holding_make, wards_make
with schema_context("khulna"):
    before = set(Ward.objects.values_list("pk", flat=True))
    wards = wards_make()
    building = building_make(ward=3, index=21, floors=3)
    neighbour = building_make(ward=3, index=22)
    owner = services.owner_create(actor=None, name_en="Shirin Akter", name_bn="শিরিন আক্তার")
    holding = holding_make(code=%(code)r, buildings=[building], owners=[owner])
    print(json.dumps({
        "bin": building.bin,
        "buildings": [building.pk, neighbour.pk],
        "holdings": [holding.pk],
        "owners": [owner.pk],
        "wards": [w.pk for w in wards if w.pk not in before],
    }))
"""

_TEARDOWN = """
from django.db.models import Q
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, ChangeRecord, Holding, Owner, Ward
made = %(made)r
with schema_context("khulna"):
    ChangeRecord.objects.filter(
        Q(model="building", object_id__in=made["buildings"])
        | Q(model="holding", object_id__in=made["holdings"])
        | Q(model="owner", object_id__in=made["owners"])
    ).delete()
    Holding.objects.filter(pk__in=made["holdings"]).delete()
    Owner.objects.filter(pk__in=made["owners"]).delete()
    Building.objects.filter(pk__in=made["buildings"]).delete()
    Ward.objects.filter(pk__in=made["wards"]).delete()
"""


@pytest.fixture(scope="module")
def registry_data(live_portal):
    result = manage("shell", "-c", _SETUP % {"code": CODE})
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout.strip().splitlines()[-1])
    yield made
    result = manage("shell", "-c", _TEARDOWN % {"made": made})
    assert result.returncode == 0, result.stderr


def sign_in(page, url, username: str) -> None:
    page.goto(url(HOST, "/staff/login/"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(url(HOST, "/staff/"))


def area_of(page) -> float:
    return float(re.sub(r"[^\d.]", "", page.locator("#area").inner_text()))


def test_gis_officer_drags_a_corner_of_a_footprint(page, url, registry_data):
    bin_ = registry_data["bin"]
    sign_in(page, url, "gis_officer")
    page.locator("#registry-link").click()
    page.get_by_label("Search").first.fill(bin_)
    page.get_by_role("button", name="Search").first.click()
    page.locator("#buildings").get_by_role("link", name=bin_).click()
    expect(page).to_have_url(url(HOST, f"/staff/registry/buildings/{bin_}/"))
    expect(page.locator("svg.minimap path.focus")).to_be_visible()
    area_before = area_of(page)

    page.get_by_role("link", name="Edit").click()
    expect(page.locator("[data-footprint-editor][data-ready=true]")).to_be_visible()
    field = page.locator("#id_footprint")
    original = field.input_value()
    corner = page.locator(".editor circle.vertex").nth(2)  # the north-east corner
    corner.scroll_into_view_if_needed()
    box = corner.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 25, y - 20, steps=6)
    page.mouse.up()
    assert field.input_value() != original
    assert json.loads(field.input_value())["type"] == "MultiPolygon"

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(HOST, f"/staff/registry/buildings/{bin_}/"))
    expect(page.locator(".messages")).to_contain_text(f"Building {bin_} saved.")
    assert area_of(page) > area_before * 1.1
    latest = page.locator("#history .entry").first
    expect(latest).to_contain_text("Changed")
    expect(latest).to_contain_text("Footprint")
    expect(latest).to_contain_text("gis_officer")


def test_revenue_collector_finds_a_holding_by_a_bangla_code(page, url, registry_data):
    sign_in(page, url, "revenue_collector")
    page.get_by_role("button", name="বাংলা").click()
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    page.locator("#registry-link").click()
    page.get_by_role("link", name="সব হোল্ডিং").click()
    expect(page).to_have_url(url(HOST, "/staff/registry/holdings/"))
    search = page.locator("#holding-search")
    search.get_by_label("হোল্ডিং কোড অথবা মালিকের নাম").fill(CODE_BN)
    search.get_by_role("button", name="খুঁজুন").click()
    results = page.locator("#holdings tbody tr")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("শিরিন আক্তার")
    results.get_by_role("link", name=CODE).click()
    expect(page).to_have_url(url(HOST, f"/staff/registry/holdings/{CODE}/"))
    expect(page.locator("h1")).to_have_text(f"হোল্ডিং {CODE}")
    expect(page.locator("#buildings")).to_contain_text(registry_data["bin"])
    # a collector edits holdings but neither merges nor splits them
    expect(page.get_by_role("link", name="সম্পাদনা")).to_be_visible()
    expect(page.get_by_role("link", name="বিভক্ত করুন")).to_have_count(0)
    assert "Holding" not in page.locator("main").inner_text()

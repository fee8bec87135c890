"""Staff pages for holdings and owners: search by code (Bangla digits),
detail, create and edit through the form path, owners, merge and split
recorded as events, query counts."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backoffice.registry.models import ChangeRecord, Holding, HoldingEvent, Owner
from backoffice.registry.views import paging
from tests.backoffice.registry.factories import building_make, holding_make, registry_sample
from tests.conftest import login, staff_user

LIST = "/staff/registry/holdings/"
PAGE_QUERIES = 11  # as for buildings: 6 of set-up, wards, rows, owners
BN = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


@pytest.fixture
def sample(tenant_a):
    with schema_context(tenant_a.schema_name):
        return registry_sample(staff_user(tenant_a, "gis_officer"))


@pytest.fixture
def clerk(client_a, tenant_a):
    return login(client_a, tenant_a, "revenue_collector")


@pytest.fixture
def chief(client_a, tenant_a):
    return login(client_a, tenant_a, "revenue_chief")


def codes_listed(response) -> list[str]:
    table = response.content.decode().split('id="holdings"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"/staff/registry/holdings/([\d-]+)/", table)


# --- list and search ------------------------------------------------------------


def test_list_in_code_order(clerk, sample):
    assert codes_listed(clerk.get(LIST)) == ["01-001-0001-00", "02-004-0120-01"]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("০২-০০৪-০১২০-০১", ["02-004-0120-01"]),  # the whole code in Bangla digits
        ("০২০০৪০১২০০১", ["02-004-0120-01"]),  # run together
        ("02 004 0120 01", ["02-004-0120-01"]),  # spaces
        ("০১/০০১", ["01-001-0001-00"]),  # the start of a code, slash-separated
        ("02-004", ["02-004-0120-01"]),
        ("Rahima", ["01-001-0001-00"]),  # the owner's name in English
        ("রহিমা", ["01-001-0001-00"]),  # and in Bangla
        ("03-", []),
    ],
)
def test_search_by_code_or_owner(clerk, sample, typed, found):
    response = clerk.get(LIST, {"q": typed})
    assert response.status_code == 200
    assert codes_listed(response) == found


def test_ward_filter(clerk, sample):
    assert codes_listed(clerk.get(LIST, {"ward": "2"})) == ["02-004-0120-01"]


def test_list_paging_and_query_count(clerk, sample, tenant_a, monkeypatch):
    clerk.get(LIST)
    with CaptureQueriesContext(connection) as few:
        clerk.get(LIST)
    with schema_context(tenant_a.schema_name):
        owner = Owner.objects.get()
        for n in range(2, 14):
            holding_make(code=f"01-001-{n:04d}-00", owners=[owner])
    with CaptureQueriesContext(connection) as many:
        clerk.get(LIST)
    assert len(many) == len(few) <= PAGE_QUERIES

    monkeypatch.setattr(paging, "PAGE_SIZE", 5)
    first = clerk.get(LIST)
    assert codes_listed(first) == [f"01-001-{n:04d}-00" for n in range(1, 6)]
    href = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1)
    assert "after=01-001-0005-00" in href


# --- detail ------------------------------------------------------------------------


def test_detail_shows_buildings_owners_history(clerk, sample):
    response = clerk.get(f"{LIST}01-001-0001-00/")
    body = response.content.decode()
    assert response.status_code == 200
    assert sample["plain"].bin in body and "Rahima Begum" in body and "+8801712345678" in body
    assert "Created" in body and "No merge or split." in body
    assert "/edit/" in body  # a collector edits holdings
    assert "/split/" not in body  # but neither merges nor splits


def test_viewer_reads_without_write_links(client_a, tenant_a, sample):
    body = login(client_a, tenant_a, "viewer").get(f"{LIST}01-001-0001-00/").content.decode()
    assert "01-001-0001-00" in body and "Rahima Begum" not in body  # owners: revenue only
    for link in ("/edit/", "/split/", "/merge/", "/owners/new/"):
        assert link not in body


# --- create and edit ------------------------------------------------------------------


def test_create_with_a_bangla_digit_code_and_first_owner(clerk, sample, tenant_a):
    response = clerk.post(
        f"{LIST}new/",
        {
            "code": "০৩ ০১০ ০০৪৫ ০০",
            "holding_type": "residential",
            "annual_value": "18000.50",
            "address": "Road 3, Sonadanga",
            "buildings": sample["slum"].bin.lower(),
            "owner_name_en": "Abdul Karim",
            "owner_name_bn": "আবদুল করিম",
            "owner_phone": "০১৮১২ ৩৪৫৬৭৮",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"{LIST}03-010-0045-00/"
    with schema_context(tenant_a.schema_name):
        holding = Holding.objects.get(code="03-010-0045-00")
        assert holding.ward.number == 3 and holding.annual_value == Decimal("18000.50")
        assert [b.bin for b in holding.buildings.all()] == [sample["slum"].bin]
        owner = holding.owners.get()
        assert owner.phone == "+8801812345678" and owner.name_bn == "আবদুল করিম"
        assert ChangeRecord.objects.filter(model="holding", object_id=holding.pk).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("01-001-001-00", "The holding number part must have 4 digits"),
        ("01-001-0001", "A holding code has four parts"),
        ("09-001-0001-00", "Ward 09 does not exist in this municipality."),
        ("01-001-0001-00", "The holding code 01-001-0001-00 is already registered."),
    ],
)
def test_create_explains_a_bad_code(clerk, sample, code, message):
    response = clerk.post(
        f"{LIST}new/", {"code": code, "holding_type": "residential", "annual_value": "0"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_create_errors_in_bangla(clerk, sample):
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    body = clerk.post(
        f"{LIST}new/",
        {"code": "01-001-001-00", "holding_type": "residential", "annual_value": "0"},
    ).content.decode()
    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S))
    assert errors and re.search(r"[\u0980-\u09ff]", errors) and "must have" not in errors


def test_edit_changes_value_and_buildings(clerk, sample, tenant_a):
    response = clerk.post(
        f"{LIST}01-001-0001-00/edit/",
        {
            "code": "01-001-0001-00",
            "holding_type": "mixed",
            "annual_value": "30000",
            "address": "",
            "buildings": f"{sample['plain'].bin}, {sample['slum'].bin}",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        holding = Holding.objects.get(code="01-001-0001-00")
        assert holding.holding_type == "mixed" and holding.annual_value == 30000
        assert holding.buildings.count() == 2
    history = clerk.get(f"{LIST}01-001-0001-00/history/").content.decode()
    assert "Annual value (BDT)" in history and sample["slum"].bin in history


def test_edit_refuses_an_unknown_bin(clerk, sample):
    response = clerk.post(
        f"{LIST}01-001-0001-00/edit/",
        {
            "code": "01-001-0001-00",
            "holding_type": "residential",
            "annual_value": "1",
            "buildings": "KHU-7777777",
        },
    )
    assert response.status_code == 200
    assert "No building has the BIN KHU-7777777." in response.content.decode()


def test_owner_added_and_edited(clerk, sample, tenant_a):
    response = clerk.post(
        f"{LIST}02-004-0120-01/owners/new/",
        {
            "name_en": "Nasima Akter",
            "gender": "female",
            "phone": "01911-223344",
            "share_percent": "50",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        owner = Owner.objects.get(name_en="Nasima Akter")
        assert owner.phone == "+8801911223344"
        assert owner.holdings.get().code == "02-004-0120-01"
    response = clerk.post(
        f"/staff/registry/owners/{owner.pk}/edit/",
        {
            "name_en": "Nasima Akter",
            "name_bn": "নাসিমা আক্তার",
            "gender": "female",
            "phone": "+8801911223344",
            "nid": "১২৩৪৫৬৭৮৯০",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        owner.refresh_from_db()
        assert owner.nid == "1234567890" and owner.name_bn == "নাসিমা আক্তার"
    page = clerk.get(f"/staff/registry/owners/{owner.pk}/").content.decode()
    assert "02-004-0120-01" in page and "নাসিমা আক্তার" in page


# --- merge and split -----------------------------------------------------------------


def test_merge_creates_the_holding_and_an_event(chief, sample, tenant_a):
    form = chief.get("/staff/registry/holdings/merge/?code=০১-০০১-০০০১-০০")
    assert "01-001-0001-00" in form.content.decode()  # prefilled from the detail link
    response = chief.post(
        "/staff/registry/holdings/merge/",
        {
            "codes": "01-001-0001-00\n০২-০০৪-০১২০-০১",
            "into_code": "01-001-0900-00",
            "holding_type": "",
            "note": "one owner now",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}01-001-0900-00/"
    with schema_context(tenant_a.schema_name):
        merged = Holding.objects.get(code="01-001-0900-00")
        assert merged.annual_value == Decimal("48000")
        assert merged.buildings.count() == 2
        assert set(Holding.objects.filter(status="retired").values_list("code", flat=True)) == {
            "01-001-0001-00",
            "02-004-0120-01",
        }
        event = HoldingEvent.objects.get()
        assert event.kind == "merge" and event.actor_username == "revenue_chief"
    detail = chief.get(response["Location"]).content.decode()
    assert "Merge" in detail and "one owner now" in detail and "02-004-0120-01" in detail
    retired = chief.get(f"{LIST}01-001-0001-00/").content.decode()
    assert "Retired" in retired and "/edit/" not in retired
    assert chief.get(f"{LIST}01-001-0001-00/edit/").status_code == 302  # refused


def test_merge_needs_two_active_holdings(chief, sample):
    body = chief.post(
        "/staff/registry/holdings/merge/",
        {"codes": "01-001-0001-00", "into_code": "01-001-0900-00"},
    ).content.decode()
    assert "Enter two or more holding codes." in body
    body = chief.post(
        "/staff/registry/holdings/merge/",
        {"codes": "01-001-0001-00, 04-004-0004-04", "into_code": "01-001-0900-00"},
    ).content.decode()
    assert "Merge needs two or more active holdings that exist." in body


def test_split_creates_holdings_and_an_event(chief, sample, tenant_a):
    with schema_context(tenant_a.schema_name):
        extra = building_make(ward=2, index=3)
    page = chief.get(f"{LIST}02-004-0120-01/split/?parts=3")
    assert page.content.decode().count('name="part-') >= 3 * 3
    data = {
        "part-TOTAL_FORMS": "2",
        "part-INITIAL_FORMS": "0",
        "part-MIN_NUM_FORMS": "2",
        "part-MAX_NUM_FORMS": "10",
        "part-0-code": "02-004-0120-02",
        "part-0-annual_value": "20000",
        "part-0-buildings": sample["shop"].bin,
        "part-1-code": "০২-০০৪-০১২০-০৩",
        "part-1-annual_value": "4000",
        "part-1-buildings": extra.bin,
        "note": "sold half",
    }
    response = chief.post(f"{LIST}02-004-0120-01/split/", data)
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert Holding.objects.get(code="02-004-0120-01").status == "retired"
        second = Holding.objects.get(code="02-004-0120-03")
        assert [b.bin for b in second.buildings.all()] == [extra.bin]
        event = HoldingEvent.objects.get()
        assert event.kind == "split" and event.results == ["02-004-0120-02", "02-004-0120-03"]
    detail = chief.get(response["Location"]).content.decode()
    assert "Split" in detail and "02-004-0120-03" in detail and "sold half" in detail


def test_split_needs_two_parts(chief, sample, tenant_a):
    data = {
        "part-TOTAL_FORMS": "1",
        "part-INITIAL_FORMS": "0",
        "part-MIN_NUM_FORMS": "2",
        "part-MAX_NUM_FORMS": "10",
        "part-0-code": "02-004-0120-02",
        "part-0-annual_value": "1",
    }
    response = chief.post(f"{LIST}02-004-0120-01/split/", data)
    assert response.status_code == 200
    with schema_context(tenant_a.schema_name):
        assert not HoldingEvent.objects.exists()

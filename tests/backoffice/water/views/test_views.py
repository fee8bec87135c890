"""The water staff pages at work: a reading entered (and refused with the
reason), a flagged one accepted, a run prepared, approved and its issue
queued, an application taken to a connection, a tariff edited; and two
tenants kept apart."""

import datetime

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from backoffice.payments import services as payments
from backoffice.water.models import (
    Connection,
    ConnectionApplication,
    Reading,
    TariffSlab,
    WaterBillRun,
)
from tests.backoffice.water.factories import water_sample
from tests.backoffice.water.views.sample import views_sample
from tests.conftest import login, staff_user
from tests.support.tenancy import host_of

W = "/staff/water"


@pytest.fixture
def khulna(tenant_a):
    with schema_context(tenant_a.schema_name):
        sample = views_sample(tenant_a)
    client = login(Client(HTTP_HOST=host_of("khulna")), tenant_a, "water_officer")
    return sample, client


def test_a_reading_is_entered_and_a_wrong_one_refused_with_the_reason(khulna):
    sample, client = khulna
    conn = sample["connections"][1]  # commercial, not read yet
    page = client.get(f"{W}/readings/new/", {"connection": conn.number})
    assert page.status_code == 200 and conn.number in page.content.decode()
    today = datetime.date.today()
    data = {
        "connection": conn.number.lower(),
        "period": sample["period"].pk,
        "read_on": today.isoformat(),
        "value": "12.5",
    }
    refused = client.post(f"{W}/readings/new/", data)
    assert refused.status_code == 200
    assert "outside the billing period" in refused.content.decode() or today.month == 10
    data["read_on"] = "2026-10-25"
    saved = client.post(f"{W}/readings/new/", data, follow=True)
    assert "12.500 m³ used" in saved.content.decode()
    with schema_context("khulna"):
        reading = Reading.objects.get(meter__connection=conn)
    assert reading.consumption == 12.5 and reading.status == Reading.Status.ACCEPTED
    again = client.post(f"{W}/readings/new/", {**data, "value": "3"})
    body = again.content.decode()
    assert "lower than the last reading" in body or "already has a reading" in body
    flat = client.post(f"{W}/readings/new/", {**data, "connection": sample["flat"].number})
    assert "flat rate" in flat.content.decode()


def test_bangla_page_for_the_reading_form(khulna):
    _sample, client = khulna
    client.cookies["django_language"] = "bn"
    page = client.get(f"{W}/readings/new/", HTTP_ACCEPT_LANGUAGE="bn")
    assert "রিডিং" in page.content.decode()


def test_flagged_reading_accepted_then_the_chief_approves_and_the_issue_is_queued(
    khulna, tenant_a, django_capture_on_commit_callbacks
):
    sample, client = khulna
    assert sample["connections"][0].number in client.get(f"{W}/readings/flagged/").content.decode()
    response = client.post(f"{W}/readings/{sample['flagged'].pk}/review/", {"decision": "accept"})
    assert response.status_code == 302
    run = sample["run"]
    client.post(f"{W}/runs/{run.pk}/prepare/")
    chief = login(Client(HTTP_HOST=host_of("khulna")), tenant_a, "revenue_chief")
    detail = chief.get(f"{W}/runs/{run.pk}/").content.decode()
    assert 'id="approve-form"' in detail and "Totals by ward" in detail
    chief.post(f"{W}/runs/{run.pk}/approve/")
    with schema_context("khulna"):
        assert WaterBillRun.objects.get(pk=run.pk).state == WaterBillRun.State.APPROVED
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        chief.post(f"{W}/runs/{run.pk}/issue/")
    assert len(callbacks) == 1  # the worker is sent the run once the request commits
    progress = chief.get(f"{W}/runs/{run.pk}/progress/").json()
    assert progress["state"] == "approved" and progress["connections"] == 5


def test_preparing_a_new_month_from_the_runs_page(khulna):
    _sample, client = khulna
    response = client.post(f"{W}/runs/", {"year": "2026", "month": "11"})
    assert response.status_code == 302
    with schema_context("khulna"):
        run = WaterBillRun.objects.get(period__year=2026, period__month=11)
    assert response["Location"].endswith(f"/runs/{run.pk}/")


def test_an_application_from_the_form_to_a_connection(khulna, tenant_a):
    sample, client = khulna
    response = client.post(
        f"{W}/applications/new/",
        {
            "applicant_name": "Salma",
            "holding": "০২-০০৯-০০০১-০০",
            "category": sample["tariffs"]["commercial"].pk,
            "size_mm": "25",
            "metered": "on",
        },
    )
    assert response.status_code == 302
    with schema_context("khulna"):
        app = ConnectionApplication.objects.get(applicant_name="Salma")
    assert str(app.fee) == "8000.00"
    url = f"{W}/applications/{app.reference}"
    client.post(f"{url}/approve/")
    with schema_context("khulna"):
        payments.counter_payment_record(
            actor=staff_user(tenant_a, "revenue_collector"), bill=app, amount=app.fee
        )
    client.post(
        f"{url}/connect/",
        {"meter_serial": "SAL-1", "connected_on": "2026-11-02", "initial_reading": "0"},
    )
    page = client.get(f"{url}/").content.decode()
    with schema_context("khulna"):
        app.refresh_from_db()
        assert app.state == "connected"
        number = Connection.objects.get(application=app).number
    assert number in page


def test_tariff_edit_replaces_slabs_and_sets_fees(khulna):
    _sample, client = khulna
    response = client.post(
        f"{W}/tariffs/domestic/",
        {
            "code": "domestic",
            "name_en": "Domestic",
            "name_bn": "গৃহস্থালি",
            "minimum_charge": "70",
            "meter_rent": "25",
            "flat_rate": "320",
            "ceiling_m3": "100",
            "order": "1",
            "slabs": "১৫ 9\n40 12.5\n16",
            "fees": "15 3500",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("khulna"):
        slabs = list(
            TariffSlab.objects.filter(category__code="domestic").values_list("upto_m3", "rate")
        )
    assert [(s and int(s), float(r)) for s, r in slabs] == [(15, 9.0), (40, 12.5), (None, 16.0)]
    bad = client.post(f"{W}/tariffs/domestic/", {"code": "domestic", "slabs": "x y"})
    assert "not a number" in bad.content.decode()


def test_two_tenants_see_only_their_own_connections(khulna, tenant_b):
    sample, _client = khulna
    with schema_context("jashore"):
        other = water_sample(None, prefix="07", wards=1, per_ward=1)
        theirs = set(Connection.objects.values_list("number", flat=True))
    jashore = login(Client(HTTP_HOST=host_of("jashore")), tenant_b, "water_officer")
    listing = jashore.get(f"{W}/connections/").content.decode()
    assert other["connections"][0].holding.code in listing  # 01-007-0001-00
    assert "01-001-0001-00" not in listing  # khulna's holding
    for conn in sample["connections"]:
        if conn.number not in theirs:  # each schema numbers from its own sequence
            assert jashore.get(f"{W}/connections/{conn.number}/").status_code == 404
    assert jashore.get(f"{W}/runs/{sample['run'].pk}/").status_code in (404, 200)
    with schema_context("jashore"):
        assert not WaterBillRun.objects.filter(pk=sample["run"].pk).exists() or (
            jashore.get(f"{W}/runs/{sample['run'].pk}/").status_code == 200
        )


def test_a_new_meter_and_a_disconnection_from_the_connection_page(khulna):
    sample, client = khulna
    conn = sample["connections"][1]
    url = f"{W}/connections/{conn.number}"
    assert 'id="meter-form"' in client.get(f"{url}/").content.decode()
    response = client.post(
        f"{url}/meter/",
        {"serial": "NEW-77", "installed_on": "2026-10-02", "initial_reading": "0"},
        follow=True,
    )
    assert "NEW-77 installed" in response.content.decode()
    duplicate = client.post(
        f"{url}/meter/",
        {"serial": "NEW-77", "installed_on": "2026-10-03", "initial_reading": "0"},
        follow=True,
    )
    assert "already exists" in duplicate.content.decode()
    client.post(f"{url}/status/", {"status": "disconnected"})
    with schema_context("khulna"):
        conn.refresh_from_db()
        assert conn.status == "disconnected"
        assert list(conn.meters.filter(active=True).values_list("serial", flat=True)) == ["NEW-77"]


def test_list_pages_take_a_fixed_number_of_queries(khulna, django_assert_max_num_queries):
    sample, client = khulna
    with schema_context("khulna"):
        from tests.backoffice.water.factories import connection_make

        for n in range(10):
            holding = sample["connections"][0].holding
            connection_make(None, holding=holding, category=sample["tariffs"]["domestic"],
                            serial=f"QC-{n}", location=sample["flat"].location)  # fmt: skip
    for path in (
        f"{W}/connections/",
        f"{W}/connections/?ward=1&category=domestic",
        f"{W}/readings/flagged/",
        f"{W}/applications/",
        f"{W}/runs/",
        f"{W}/tariffs/",
    ):
        with django_assert_max_num_queries(12):
            assert client.get(path).status_code == 200


def test_the_chief_cancels_an_issued_bill_from_the_run_page(khulna, tenant_a):
    from backoffice.water import runs as water_runs
    from backoffice.water.models import WaterBill

    sample, officer = khulna
    with schema_context("khulna"):
        from backoffice.water import services

        services.reading_review(actor=sample["officer"], reading=sample["flagged"], accept=True)
        run = water_runs.water_run_prepare(actor=sample["officer"], period=sample["period"])
        chief_user = staff_user(tenant_a, "revenue_chief")
        water_runs.water_run_approve(actor=chief_user, run=run)
        water_runs.water_run_issue(run_id=run.pk)
        bill = WaterBill.objects.filter(run=run).order_by("number").first()
    chief = login(Client(HTTP_HOST=host_of("khulna")), tenant_a, "revenue_chief")
    page = chief.get(f"{W}/runs/{run.pk}/").content.decode()
    assert "Cancel the bill" in page and bill.number in page
    assert "Cancel the bill" not in officer.get(f"{W}/runs/{run.pk}/").content.decode()
    url = f"{W}/runs/{run.pk}/bills/{bill.number}/cancel/"
    assert officer.post(url, {"reason": "x"}).status_code == 403
    chief.post(url, {"reason": ""})
    response = chief.post(url, {"reason": "meter misread"}, follow=True)
    assert "cancelled by W202610-000006" in response.content.decode()
    with schema_context("khulna"):
        bill.refresh_from_db()
        assert bill.status == "cancelled"
        assert WaterBill.objects.filter(replaces=bill, kind="cancellation").count() == 1


def test_the_staff_home_links_the_water_pages_for_water_roles(tenant_a):
    for role, shown in (("water_officer", True), ("revenue_chief", True), ("fsm_manager", False)):
        client = login(Client(HTTP_HOST=host_of("khulna")), tenant_a, role)
        assert ('id="water-link"' in client.get("/staff/").content.decode()) is shown, role

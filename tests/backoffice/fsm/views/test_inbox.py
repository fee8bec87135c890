"""The manager's inbox and an application's page: tabs and SLA colours,
search, bounded queries, every office action's form and a refused action."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import ContainmentType, EmptyingApplication
from tests.backoffice.fsm.views.sample import fsm_sample, submit
from tests.conftest import login

F = "/staff/fsm"


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        return fsm_sample(tenant_a)


@pytest.fixture
def manager(client_a, tenant_a):
    return login(client_a, tenant_a, "fsm_manager")


def _in_a(tenant_a, fn):
    with schema_context(tenant_a.schema_name):
        return fn()


def _age(tenant, app, hours: float):
    """Pretend ``app`` entered its state ``hours`` ago."""
    with schema_context(tenant.schema_name):
        EmptyingApplication.objects.filter(pk=app.pk).update(
            state_changed_at=timezone.now() - datetime.timedelta(hours=hours)
        )


def _tab(html: str, key: str) -> str:
    match = re.search(rf'<a href="\?tab={key}" data-tab="{key}"[^>]*>(.*?)</a>', html, re.S)
    assert match, key
    return match.group(1)


def test_tabs_count_by_state_with_sla_colours(world, manager, tenant_a):
    _age(tenant_a, world["submitted"], 23)  # 24 h allowed: in the last quarter
    late = _in_a(tenant_a, lambda: submit(world["manager"], world["holding"]))
    _age(tenant_a, late, 30)
    html = manager.get(f"{F}/inbox/?tab=submitted").content.decode()
    submitted = _tab(html, "submitted")
    assert '<span class="count">2</span>' in submitted
    assert 'sla-overdue" title="Overdue">1<' in submitted
    assert 'sla-due_soon" title="Due soon">1<' in submitted
    assert '<span class="count">2</span>' in _tab(html, "scheduled")
    rows = re.findall(r'<tr class="sla-row-(\w+)">\s*<td><a href="[^"]+">([^<]+)</a>', html)
    assert {ref: band for band, ref in rows} == {
        world["submitted"].reference: "due_soon",
        late.reference: "overdue",
    }
    overdue = manager.get(f"{F}/inbox/?tab=overdue").content.decode()
    assert late.reference in overdue and world["submitted"].reference not in overdue


def test_unknown_tab_is_404(world, manager):
    assert manager.get(f"{F}/inbox/?tab=nonsense").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["holding_bn", "bin", "phone", "reference"],
)
def test_search(world, manager, query):
    terms = {
        "holding_bn": "০১-০০১-০০০১-০০",
        "bin": world["building"].bin,
        "phone": "01712345678",
        "reference": world["scheduled"].reference,
    }
    html = manager.get(f"{F}/inbox/", {"tab": "open", "q": terms[query]}).content.decode()
    assert world["scheduled"].reference in html
    nothing = manager.get(f"{F}/inbox/", {"tab": "open", "q": "01999999999"}).content.decode()
    assert world["scheduled"].reference not in nothing


def test_inbox_queries_do_not_grow_with_rows(world, manager, tenant_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert manager.get(f"{F}/inbox/?tab=open").status_code == 200
        return len(ctx)

    count()  # the first request also reads the session and settings
    few = count()
    _in_a(tenant_a, lambda: [submit(world["manager"], world["holding"]) for _ in range(8)])
    assert count() == few
    assert few <= 12


def test_detail_shows_history_and_the_manager_actions(world, manager):
    html = manager.get(f"{F}/applications/{world['scheduled'].reference}/").content.decode()
    assert 'id="history"' in html and html.count('class="entry"') >= 4
    assert 'id="action-reassign"' in html and 'id="action-cancel"' in html
    assert 'id="action-empty"' not in html  # the provider's, not the office's
    assert "Clean City Ltd" in html


def test_revenue_collector_sees_and_settles_only_fees(world, client_a, tenant_a):
    collector = login(client_a, tenant_a, "revenue_collector")
    assessed = world["assessed"]
    listing = collector.get(f"{F}/inbox/?tab=open").content.decode()
    assert assessed.reference in listing
    assert world["submitted"].reference not in listing  # not theirs to see
    assert collector.get(f"{F}/applications/{world['submitted'].reference}/").status_code == 404
    html = collector.get(f"{F}/applications/{assessed.reference}/").content.decode()
    assert 'id="action-settle_fee"' in html and 'id="action-reject"' not in html
    response = collector.post(
        f"{F}/applications/{assessed.reference}/settle_fee/",
        {
            "settle_fee-fee_mode": "paid",
            "settle_fee-fee": "1500",
            "settle_fee-fee_receipt_number": "R-1",
        },
    )
    assert response.status_code == 302
    app = _state(tenant_a, assessed)
    assert app.state == wf.FEE_SETTLED and app.fee == Decimal("1500")
    # the job they settled stays visible to them; rejecting is never theirs
    assert collector.get(f"{F}/applications/{assessed.reference}/").status_code == 200
    assert collector.post(f"{F}/applications/{assessed.reference}/reject/", {}).status_code == 403


def _post(client, app, action, data):
    prefixed = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(f"{F}/applications/{app.reference}/{action}/", prefixed)


def _state(tenant, app):
    with schema_context(tenant.schema_name):
        return EmptyingApplication.objects.get(pk=app.pk)


def test_assess_settle_schedule_reassign(world, manager, tenant_a):
    app = world["submitted"]
    response = _post(
        manager,
        app,
        "assess",
        {
            "containment": world["containment"].pk,
            "containment_confirmed": "true",
            "road_width_ok": "true",
            "access_notes": "Narrow lane, 40 m hose",
            "trips_estimated": "2",
            "estimated_volume_m3": "4.0",
            "plan": "Two trips in the morning",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    app = _state(tenant_a, app)
    assert app.state == wf.ASSESSED and app.trips_estimated == 2
    assert app.estimated_fee is not None  # from the fee slabs

    assert _post(manager, app, "settle_fee", {"fee_mode": "waived"}).status_code == 302
    app = _state(tenant_a, app)
    assert app.state == wf.FEE_SETTLED and app.fee == Decimal("0")

    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = _post(
        manager,
        app,
        "schedule",
        {
            "provider": world["provider"].pk,
            "vehicle": world["vehicle"].pk,
            "crew": [world["crew"].pk],
            "plant": world["plant"].pk,
            "scheduled_for": tomorrow,
        },
    )
    assert response.status_code == 302
    app = _state(tenant_a, app)
    assert app.state == wf.SCHEDULED and app.provider_id == world["provider"].pk
    assert _in_a(tenant_a, lambda: list(app.crew.all())) == [world["crew"]]

    response = _post(
        manager,
        app,
        "reassign",
        {
            "provider": world["other_provider"].pk,
            "vehicle": world["other_vehicle"].pk,
            "scheduled_for": tomorrow,
            "reason": "Truck broke down",
        },
    )
    assert response.status_code == 302
    app = _state(tenant_a, app)
    assert app.provider_id == world["other_provider"].pk
    html = manager.get(f"{F}/applications/{app.reference}/").content.decode()
    assert 'id="assignments"' in html and "Truck broke down" in html


def test_schedule_refuses_another_providers_vehicle(world, manager, tenant_a):
    app = world["scheduled"]
    response = _post(
        manager,
        app,
        "reassign",
        {
            "provider": world["provider"].pk,
            "vehicle": world["other_vehicle"].pk,
            "scheduled_for": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "This vehicle belongs to another service provider." in response.content.decode()
    assert _state(tenant_a, app).vehicle_id == world["vehicle"].pk


@pytest.mark.parametrize(
    "action,target",
    [("reject", wf.REJECTED), ("send_back", wf.SENT_BACK), ("cancel", wf.CANCELLED)],
)
def test_reason_actions(world, manager, tenant_a, action, target):
    app = world["submitted"]
    if action != "cancel":  # a cancellation may go without a reason
        blank = _post(manager, app, action, {"reason": ""})
        assert blank.status_code == 200 and "This field is required." in blank.content.decode()
        assert _state(tenant_a, app).state == wf.SUBMITTED
    response = _post(manager, app, action, {"reason": "Not a containment we can empty"})
    assert response.status_code == 302
    app = _state(tenant_a, app)
    assert app.state == target and app.reason == "Not a containment we can empty"


def test_refused_action_shows_a_translated_message(world, manager, tenant_a):
    app = world["submitted"]
    # Scheduling a job that has not been assessed: not available in this state.
    response = _post(
        manager,
        app,
        "schedule",
        {"provider": world["provider"].pk},
    )
    assert response.status_code == 302
    page = manager.get(response["Location"]).content.decode()
    assert "This cannot be done in the application&#x27;s current state." in page
    assert _state(tenant_a, app).state == wf.SUBMITTED
    manager.post("/i18n/setlang/", {"language": "bn", "next": "/staff/fsm/"})
    _post(manager, app, "schedule", {"provider": world["provider"].pk})
    page = manager.get(f"{F}/applications/{app.reference}/").content.decode()
    assert "This cannot be done" not in page and 'class="messages"' in page
    # An action the office never takes (the provider's) is forbidden outright.
    assert _post(manager, world["scheduled"], "empty", {}).status_code == 403
    assert manager.post(f"{F}/applications/{app.reference}/fly/").status_code == 404


def test_unknown_reference_is_404(world, manager):
    assert manager.get(f"{F}/applications/KHU-E2026-999999/").status_code == 404


def test_tenant_b_cannot_see_tenant_a_applications(world, client_b, tenant_b):
    manager_b = login(client_b, tenant_b, "fsm_manager")
    ref = world["scheduled"].reference
    assert manager_b.get(f"{F}/applications/{ref}/").status_code == 404
    assert ref not in manager_b.get(f"{F}/inbox/?tab=open").content.decode()
    assert (
        manager_b.post(f"{F}/applications/{ref}/cancel/", {"cancel-reason": "x"}).status_code == 404
    )


def test_a_stale_page_is_refused(world, manager, tenant_a):
    app = world["submitted"]
    page = manager.get(f"{F}/applications/{app.reference}/").content.decode()
    assert 'name="reject-expected_state" value="submitted"' in page
    # someone else assesses meanwhile; the reject form still says "submitted"
    with schema_context(tenant_a.schema_name):
        services.application_transition(
            actor=world["manager"],
            role=wf.MANAGER,
            application=app,
            action=wf.ASSESS,
            estimated_volume_m3=Decimal("2"),
        )
    response = manager.post(
        f"{F}/applications/{app.reference}/reject/",
        {"reject-expected_state": "submitted", "reject-reason": "duplicate"},
    )
    assert response.status_code == 302
    page = manager.get(response["Location"]).content.decode()
    assert "Someone changed this application meanwhile" in page
    assert _state(tenant_a, app).state == wf.ASSESSED


def test_office_records_feedback_given_by_phone_once(world, manager, tenant_a):
    with schema_context(tenant_a.schema_name):
        closed = services.application_transition(
            actor=world["caretaker"],
            role=wf.CARETAKER,
            application=world["emptied"],
            action=wf.DISPOSE,
            plant=world["plant"],
            disposed_volume_m3=Decimal("2.8"),
        )
    assert _post(manager, closed, "feedback", {"comments": "no rating"}).status_code == 200
    response = _post(
        manager,
        closed,
        "feedback",
        {"satisfaction": "4", "crew_wore_ppe": "true", "comments": "ok"},
    )
    assert response.status_code == 302
    app = _state(tenant_a, closed)
    assert app.state == wf.CLOSED and app.satisfaction == 4 and app.feedback_at is not None
    html = manager.get(f"{F}/applications/{closed.reference}/").content.decode()
    assert 'id="action-feedback"' not in html  # given once
    again = _post(manager, closed, "feedback", {"satisfaction": "1"})
    page = manager.get(again["Location"]).content.decode()
    assert "Feedback has already been given for this application." in page


def test_assessment_registers_a_containment_found_on_site(world, manager, tenant_a):
    from tests.backoffice.registry.factories import building_make, holding_make

    with schema_context(tenant_a.schema_name):
        building = building_make(world["manager"], ward=2, index=9)
        holding = holding_make(world["manager"], code="02-001-0002-00", buildings=[building])
        app = submit(world["manager"], holding)
        kind = ContainmentType.objects.get(code="double_pit")
    assert app.containment_id is None
    both = _post(
        manager,
        app,
        "assess",
        {
            "register_type": kind.pk,
            "containment": world["containment"].pk,
            "estimated_volume_m3": "2",
        },
    )
    assert both.status_code == 200  # the building's own list has no such containment either
    response = _post(
        manager,
        app,
        "assess",
        {"register_type": kind.pk, "register_volume_m3": "2.5", "estimated_volume_m3": "2"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    app = _state(tenant_a, app)
    assert app.state == wf.ASSESSED and app.containment_registered
    with schema_context(tenant_a.schema_name):
        assert app.containment.containment_type == kind
        assert app.containment.volume_m3 == Decimal("2.5")
        assert list(app.containment.buildings.all()) == [building]


def test_inbox_and_job_pages_in_bangla(world, manager, client_a, tenant_a):
    manager.post("/i18n/setlang/", {"language": "bn", "next": "/staff/fsm/"})
    html = manager.get(f"{F}/inbox/").content.decode()
    assert '<html lang="bn">' in html and "খালি করার আবেদনসমূহ" in html
    assert "সব চলমান" in html and "Emptying applications" not in html
    provider = login(client_a, tenant_a, "service_provider")
    provider.post("/i18n/setlang/", {"language": "bn", "next": "/staff/fsm/"})
    page = provider.get(f"{F}/jobs/{world['scheduled'].reference}/").content.decode()
    assert "স্থানের ছবি" in page and "সংরক্ষণ: খালি করা হয়েছে" in page


def test_emptied_but_not_at_a_plant_is_flagged(world, manager, tenant_a):
    assert 'id="not-at-plant"' not in manager.get(f"{F}/inbox/").content.decode()
    _age(tenant_a, world["emptied"], 13)  # 12 h allowed from emptying to the plant
    html = manager.get(f"{F}/inbox/").content.decode()
    assert "1 load emptied but not at a treatment plant in time" in html
    emptied = manager.get(f"{F}/inbox/?tab=emptied").content.decode()
    assert world["emptied"].reference in emptied

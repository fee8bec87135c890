"""Selectors the staff pages and reports build on: who sees which job,
inbox counts in one query, the due list by ward, loads not at a plant."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.fsm import selectors, sla
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from tests.backoffice.fsm.factories import application_at, fsm_sample, role_user_make
from tests.conftest import staff_user


@pytest.fixture
def ctx(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield fsm_sample(tenant_a)


def _age(app, hours: float) -> None:
    EmptyingApplication.objects.filter(pk=app.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(hours=hours)
    )


@pytest.fixture
def jobs(ctx) -> dict:
    """One job per interesting case."""
    manager = ctx["manager"]
    from backoffice.fsm import services

    submitted = application_at(ctx, wf.SUBMITTED)
    scheduled_a = application_at(ctx, wf.SCHEDULED)
    emptied_a = application_at(ctx, wf.EMPTIED)
    closed_a = application_at(ctx, wf.CLOSED)
    to_other_plant = application_at(ctx, wf.EMPTIED, plant=ctx["other_plant"])
    provider_b = application_at(ctx, wf.FEE_SETTLED)
    provider_b = services.application_schedule(
        actor=manager,
        role=wf.MANAGER,
        application=provider_b,
        provider=ctx["other_provider"],
        scheduled_for=datetime.date(2026, 6, 1),
    )
    return {
        "submitted": submitted,
        "scheduled_a": scheduled_a,
        "emptied_a": emptied_a,
        "closed_a": closed_a,
        "to_other_plant": to_other_plant,
        "provider_b": provider_b,
    }


def _refs(queryset) -> set[str]:
    return set(queryset.values_list("reference", flat=True))


def test_office_sees_everything(ctx, jobs, tenant_a):
    everything = {j.reference for j in jobs.values()}
    assert _refs(selectors.applications_for_user(ctx["manager"])) == everything
    admin = staff_user(tenant_a, "municipal_admin")
    assert _refs(selectors.applications_for_user(admin)) == everything


def test_providers_see_only_their_own_jobs(ctx, jobs):
    mine = {jobs[k].reference for k in ("scheduled_a", "emptied_a", "closed_a", "to_other_plant")}
    assert _refs(selectors.applications_for_user(ctx["provider_user"])) == mine
    assert _refs(selectors.applications_for_user(ctx["other_provider_user"])) == {
        jobs["provider_b"].reference
    }
    unlinked = role_user_make("provider_c", "service_provider")
    assert not selectors.applications_for_user(unlinked).exists()
    assert selectors.application_visible(ctx["provider_user"], jobs["provider_b"].pk) is None


def test_caretakers_see_only_loads_at_or_heading_to_their_plant(ctx, jobs):
    assert _refs(selectors.applications_for_user(ctx["caretaker"])) == {
        jobs[k].reference for k in ("scheduled_a", "emptied_a", "closed_a")
    }
    assert _refs(selectors.applications_for_user(ctx["other_caretaker"])) == {
        jobs["to_other_plant"].reference
    }
    assert list(selectors.plants_for_caretaker(ctx["caretaker"])) == [ctx["plant"]]


def test_other_roles_see_nothing(ctx, jobs, tenant_a):
    for role in ("viewer", "revenue_chief", "gis_officer"):
        assert not selectors.applications_for_user(staff_user(tenant_a, role)).exists()


def test_inbox_counts_in_one_query(ctx, jobs):
    _age(jobs["submitted"], 30)  # 24 h SLA: overdue
    _age(jobs["scheduled_a"], 60)  # 72 h SLA: last quarter from 54 h
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.inbox_counts(sla_hours=dict(wf.SLA_HOURS))
    assert len(queries) == 1
    assert list(counts) == list(wf.STATES)
    assert counts[wf.SUBMITTED] == {"total": 1, "overdue": 1, "due_soon": 0}
    assert counts[wf.SCHEDULED] == {"total": 2, "overdue": 0, "due_soon": 1}
    assert counts[wf.EMPTIED]["total"] == 2 and counts[wf.CLOSED]["total"] == 1
    assert counts[wf.REJECTED] == {"total": 0, "overdue": 0, "due_soon": 0}
    # Scoped to what a provider sees.
    scoped = selectors.inbox_counts(
        queryset=selectors.applications_for_user(ctx["other_provider_user"])
    )
    assert scoped[wf.SCHEDULED]["total"] == 1 and scoped[wf.SUBMITTED]["total"] == 0


def test_due_list_by_ward_in_one_query(ctx, jobs):
    from backoffice.fsm import services

    other = services.application_submit(
        actor=None, role=wf.CITIZEN, holding=ctx["other_holding"], applicant_phone="01711000000"
    )
    for app in (jobs["submitted"], other):
        _age(app, 30)
    _age(jobs["emptied_a"], 10)  # 12 h SLA: due soon
    ward_1, ward_2 = ctx["wards"]
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.applications_due(sla_hours=dict(wf.SLA_HOURS)))
        shown = [  # what a list shows: no query per row
            (r.building, r.holding, r.provider, r.vehicle, r.plant, r.containment) for r in rows
        ]
    assert len(queries) == 1 and len(shown) == 3
    assert {r.reference for r in rows} == {
        jobs["submitted"].reference,
        other.reference,
        jobs["emptied_a"].reference,
    }
    overdue_only = selectors.applications_due(include_due_soon=False, ward=ward_2)
    assert _refs(overdue_only) == {other.reference}
    assert _refs(selectors.applications_due(ward=ward_1)) == {
        jobs["submitted"].reference,
        jobs["emptied_a"].reference,
    }
    assert all(sla.application_due(r).band in (sla.OVERDUE, sla.DUE_SOON) for r in rows)


def test_emptied_but_not_at_a_plant(ctx, jobs):
    loads = list(selectors.applications_emptied_not_disposed())
    assert [a.reference for a in loads] == [
        jobs["emptied_a"].reference,
        jobs["to_other_plant"].reference,
    ]
    EmptyingApplication.objects.filter(pk=jobs["emptied_a"].pk).update(
        emptied_at=timezone.now() - datetime.timedelta(hours=30)
    )
    assert [
        a.reference for a in selectors.applications_emptied_not_disposed(older_than_hours=24)
    ] == [jobs["emptied_a"].reference]


def test_assignments_and_reference_lookup(ctx, jobs):
    app = jobs["scheduled_a"]
    assert [h.action for h in selectors.application_assignments(app)] == ["schedule"]
    assert selectors.application_by_reference(app.reference.lower()) == app
    assert selectors.application_by_reference(app.reference, phone="+8801711000000") == app
    assert selectors.application_by_reference(app.reference, phone="01711-000000") == app
    assert selectors.application_by_reference(app.reference, phone="+8801999999999") is None
    assert selectors.application_by_reference(app.reference, phone="junk") is None


def test_other_municipality_sees_none_of_it(ctx, jobs, tenant_b):
    with schema_context(tenant_b.schema_name):
        assert not EmptyingApplication.objects.exists()
        assert sum(c["total"] for c in selectors.inbox_counts().values()) == 0
        assert selectors.application_by_reference(jobs["submitted"].reference) is None


def test_a_load_with_no_plant_named_is_visible_to_every_caretaker(ctx):
    from backoffice.fsm import services

    app = application_at(ctx, wf.FEE_SETTLED)
    app = services.application_schedule(
        actor=ctx["manager"],
        role=wf.MANAGER,
        application=app,
        provider=ctx["provider"],
        scheduled_for=datetime.date(2026, 6, 1),
    )
    assert app.plant is None
    assert not selectors.applications_for_user(ctx["caretaker"]).exists()
    app = services.application_empty(actor=ctx["provider_user"], application=app, volume_m3=3)
    for caretaker in (ctx["caretaker"], ctx["other_caretaker"]):
        assert _refs(selectors.applications_for_user(caretaker)) == {app.reference}
    services.application_dispose(
        actor=ctx["other_caretaker"], application=app, plant=ctx["other_plant"], volume_m3=3
    )
    assert not selectors.applications_for_user(ctx["caretaker"]).exists()
    assert _refs(selectors.applications_for_user(ctx["other_caretaker"])) == {app.reference}


def test_revenue_collector_sees_jobs_awaiting_the_fee(ctx, jobs, tenant_a):
    collector = staff_user(tenant_a, "revenue_collector")
    assert not selectors.applications_for_user(collector).exists()
    assessed = application_at(ctx, wf.ASSESSED)
    assert _refs(selectors.applications_for_user(collector)) == {assessed.reference}


def test_containments_due_by_ward(ctx):
    from backoffice.fsm import services
    from backoffice.fsm.models import ContainmentType

    ward_1, ward_2 = ctx["wards"]
    # Served by buildings in both wards: listed once under either.
    both = services.containment_create(
        actor=None,
        containment_type=ContainmentType.objects.get(code="unknown"),
        constructed_on=datetime.date(2020, 1, 1),
        emptying_frequency_years=1,
        buildings=[ctx["building"], ctx["other_building"]],
    )
    today = datetime.date(2026, 6, 1)
    assert list(selectors.containments_due(within_days=0, today=today, ward=ward_2)) == [both]
    in_ward_1 = list(selectors.containments_due(within_days=0, today=today, ward=ward_1))
    assert in_ward_1 == [ctx["containment"], both] or in_ward_1 == [both, ctx["containment"]]
    assert len(in_ward_1) == len(set(in_ward_1))

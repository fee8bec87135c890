"""SLA per municipality: configured hours, colour bands, and each
municipality's own clock for "today"."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from backoffice.fsm import selectors, services, sla
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import ContainmentType, EmptyingApplication
from tenants.models import Municipality

UTC = datetime.UTC
T0 = datetime.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield


def _app(changed_at, state=wf.SUBMITTED) -> EmptyingApplication:
    app = services.application_submit(
        actor=None,
        role=wf.CITIZEN,
        location=Point(89.55, 22.82, srid=4326),
        applicant_phone="01711000000",
    )
    EmptyingApplication.objects.filter(pk=app.pk).update(state=state, state_changed_at=changed_at)
    app.refresh_from_db()
    return app


def test_defaults_and_configured_hours(in_a):
    assert sla.sla_hours() == wf.SLA_HOURS
    config = services.fsm_config_get()
    config.sla_hours = {wf.SUBMITTED: 48, wf.EMPTIED: None, wf.CLOSED: 5, "nowhere": 1}
    config.save()
    hours = sla.sla_hours()
    assert hours[wf.SUBMITTED] == 48 and hours[wf.EMPTIED] is None
    assert hours[wf.CLOSED] is None and "nowhere" not in hours  # final states never run a clock
    assert hours[wf.SCHEDULED] == wf.SLA_HOURS[wf.SCHEDULED]


def test_hours_validation():
    assert sla.sla_hours_validate({wf.SUBMITTED: "12", wf.EMPTIED: ""}) == {
        wf.SUBMITTED: 12,
        wf.EMPTIED: None,
    }
    for bad in ({wf.SUBMITTED: 0}, {wf.SUBMITTED: "x"}, {wf.CLOSED: 3}, {"nowhere": 3}):
        with pytest.raises(ValidationError):
            sla.sla_hours_validate(bad)


@pytest.mark.parametrize(
    "elapsed,band",
    [
        (datetime.timedelta(0), sla.OK),
        (datetime.timedelta(hours=17, minutes=59), sla.OK),
        (datetime.timedelta(hours=18), sla.DUE_SOON),  # last quarter of 24 h
        (datetime.timedelta(hours=23, minutes=59), sla.DUE_SOON),
        (datetime.timedelta(hours=24), sla.OVERDUE),
        (datetime.timedelta(days=30), sla.OVERDUE),
    ],
)
def test_due_bands(elapsed, band):
    hours = dict(wf.SLA_HOURS)
    due = sla.due(wf.SUBMITTED, T0, now=T0 + elapsed, hours=hours)
    assert due.band == band and due.deadline == T0 + datetime.timedelta(hours=24)
    assert due.label


def test_no_clock_in_final_states():
    due = sla.due(wf.CLOSED, T0, now=T0 + datetime.timedelta(days=99), hours=dict(wf.SLA_HOURS))
    assert due.band == "" and due.deadline is None and due.label == ""


def test_selectors_use_the_configured_hours(in_a):
    app = _app(T0)
    later = T0 + datetime.timedelta(hours=30)
    assert list(selectors.applications_overdue(now=later)) == [app]
    config = services.fsm_config_get()
    config.sla_hours = {wf.SUBMITTED: 48}
    config.save()
    assert not selectors.applications_overdue(now=later).exists()
    assert selectors.application_sla_deadline(app) == T0 + datetime.timedelta(hours=48)
    # 30 h of 48: not yet in the last quarter (from 36 h).
    assert selectors.inbox_counts(now=later)[wf.SUBMITTED] == {
        "total": 1,
        "overdue": 0,
        "due_soon": 0,
    }
    assert (
        selectors.inbox_counts(now=T0 + datetime.timedelta(hours=36))[wf.SUBMITTED]["due_soon"] == 1
    )


@pytest.fixture
def two_clocks(tenant_a, tenant_b):
    """Khulna keeps Asia/Dhaka (UTC+6); Jashore is moved to America/New_York
    (UTC-4 in June) for the test (rolled back afterwards)."""
    assert tenant_a.timezone == "Asia/Dhaka"
    Municipality.objects.filter(pk=tenant_b.pk).update(timezone="America/New_York")
    tenant_b.refresh_from_db()
    return tenant_a, tenant_b


# 20:00 UTC on 1 June is 02:00 on 2 June in Dhaka and 16:00 on 1 June in New York.
EVENING_UTC = datetime.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize("context", [schema_context, tenant_context])
def test_today_is_the_municipalitys(two_clocks, context):
    dhaka, new_york = two_clocks
    with context(dhaka.schema_name if context is schema_context else dhaka):
        assert str(sla.municipality_timezone()) == "Asia/Dhaka"
        assert sla.municipality_today(EVENING_UTC) == datetime.date(2026, 6, 2)
        assert sla.municipality_localtime(EVENING_UTC).hour == 2
        start = sla.municipality_day_start(datetime.date(2026, 6, 2))
        assert start == datetime.datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    with context(new_york.schema_name if context is schema_context else new_york):
        assert str(sla.municipality_timezone()) == "America/New_York"
        assert sla.municipality_today(EVENING_UTC) == datetime.date(2026, 6, 1)
        assert sla.municipality_localtime(EVENING_UTC).hour == 16
        start = sla.municipality_day_start(datetime.date(2026, 6, 2))
        assert start == datetime.datetime(2026, 6, 2, 4, 0, tzinfo=UTC)
    connection.set_schema_to_public()


def test_due_for_emptying_counts_days_in_each_municipalitys_clock(two_clocks):
    kind_code = "unknown"
    due_dates = {}
    for tenant in two_clocks:
        with schema_context(tenant.schema_name):
            containment = services.containment_create(
                actor=None,
                containment_type=ContainmentType.objects.get(code=kind_code),
                constructed_on=datetime.date(2023, 6, 9),
                emptying_frequency_years=3,
            )
            due_dates[tenant.code] = containment.next_due_on
            # Due on 9 June 2026: within 7 days of 2 June (Dhaka) but not of 1 June (New York).
            found = selectors.containments_due(within_days=7, now=EVENING_UTC)
            due_dates[tenant.code + "_listed"] = list(found) == [containment]
    assert due_dates["khulna"] == due_dates["jashore"] == datetime.date(2026, 6, 9)
    assert due_dates["khulna_listed"] is True
    assert due_dates["jashore_listed"] is False


def test_deadlines_are_instants_the_same_everywhere(two_clocks):
    deadlines = []
    for tenant in two_clocks:
        with schema_context(tenant.schema_name):
            app = _app(EVENING_UTC, state=wf.EMPTIED)
            due = sla.application_due(app, now=EVENING_UTC + datetime.timedelta(hours=11))
            deadlines.append(due.deadline)
            assert due.band == sla.DUE_SOON
            later = EVENING_UTC + datetime.timedelta(hours=12)
            assert list(selectors.applications_overdue(now=later)) == [app]
    assert deadlines[0] == deadlines[1] == EVENING_UTC + datetime.timedelta(hours=12)

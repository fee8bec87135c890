"""FSM reads: SLA overdue and due-for-emptying."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.fsm import selectors, services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import ContainmentType, EmptyingApplication


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield


def test_overdue_follows_the_sla_of_the_current_state(in_a):
    app = services.application_submit(
        actor=None,
        role=wf.CITIZEN,
        location=Point(89.55, 22.82, srid=4326),
        applicant_phone="01711000000",
    )
    now = timezone.now()
    assert selectors.application_sla_deadline(app) == app.state_changed_at + datetime.timedelta(
        hours=wf.SLA_HOURS[wf.SUBMITTED]
    )
    assert not selectors.applications_overdue(now=now).exists()
    later = now + datetime.timedelta(hours=wf.SLA_HOURS[wf.SUBMITTED] + 1)
    assert list(selectors.applications_overdue(now=later)) == [app]
    # A configured SLA overrides the default; final states never run late.
    assert not selectors.applications_overdue(now=later, sla_hours={wf.SUBMITTED: 100}).exists()
    EmptyingApplication.objects.filter(pk=app.pk).update(state=wf.CANCELLED)
    assert not selectors.applications_overdue(now=later + datetime.timedelta(days=999)).exists()


def test_containments_due(in_a):
    kind = ContainmentType.objects.get(code="unknown")
    today = datetime.date(2026, 6, 1)
    soon = services.containment_create(
        actor=None,
        containment_type=kind,
        constructed_on=datetime.date(2023, 6, 10),
        emptying_frequency_years=3,
    )
    services.containment_create(
        actor=None,
        containment_type=kind,
        constructed_on=datetime.date(2025, 1, 1),
        emptying_frequency_years=3,
    )
    assert list(selectors.containments_due(within_days=30, today=today)) == [soon]

"""FSM reads: overdue jobs and containments due for emptying."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from backoffice.fsm import workflow
from backoffice.fsm.models import Containment, EmptyingApplication


def application_sla_deadline(application: EmptyingApplication, *, sla_hours=None):
    """When the application's current state breaches its SLA (None: no clock)."""
    hours = (sla_hours or workflow.SLA_HOURS).get(application.state)
    if hours is None or application.state_changed_at is None:
        return None
    return application.state_changed_at + datetime.timedelta(hours=hours)


def applications_overdue(*, now=None, sla_hours=None) -> QuerySet[EmptyingApplication]:
    """Open applications whose current state has outlived its SLA."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for state, hours in (sla_hours or workflow.SLA_HOURS).items():
        if hours is not None:
            condition |= Q(state=state, state_changed_at__lt=now - datetime.timedelta(hours=hours))
    return EmptyingApplication.objects.filter(condition)


def applications_emptied_not_disposed() -> QuerySet[EmptyingApplication]:
    """Emptied loads no treatment plant has confirmed yet."""
    return EmptyingApplication.objects.filter(state=workflow.EMPTIED)


def containments_due(*, within_days: int, today=None, ward=None) -> QuerySet[Containment]:
    """Containments whose next emptying falls within ``within_days`` (or is past)."""
    today = today or timezone.localdate()
    queryset = Containment.objects.filter(
        next_due_on__lte=today + datetime.timedelta(days=within_days)
    )
    if ward is not None:
        queryset = queryset.filter(buildings__ward=ward).distinct()
    return queryset.order_by("next_due_on", "code")

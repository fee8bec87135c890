"""Helpers shared by the FSM staff views: SLA bands, history, refusals."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.fsm import sla, workflow
from backoffice.fsm.models import EmptyingApplication
from tenants.audit.models import AuditEvent

HISTORY_LIMIT = 50


def sla_rows(applications, *, now=None) -> list[dict]:
    """Each application with its SLA band (ok / due_soon / overdue / "")."""
    hours = sla.sla_hours()
    now = now or timezone.now()
    return [
        {"app": app, "band": sla.application_due(app, now=now, hours=hours).band}
        for app in applications
    ]


def sla_due(application) -> sla.Due:
    return sla.application_due(application)


def application_history(application: EmptyingApplication) -> list[dict]:
    """The workflow's audit rows for this application, oldest first."""
    events = AuditEvent.objects.filter(
        object_type=EmptyingApplication._meta.label_lower,
        object_id=str(application.pk),
        action__startswith="fsm.application.",
    ).order_by("at", "pk")[:HISTORY_LIMIT]
    rows = []
    for event in events:
        action = event.action.rsplit(".", 1)[-1]
        data = event.data or {}
        rows.append(
            {
                "at": event.at,
                "who": event.actor_username or _("citizen"),
                "action": workflow.ACTIONS.get(action, action),
                "to": workflow.STATES.get(_target(action, data), _target(action, data)),
                "role": data.get("role", ""),
            }
        )
    return rows


def _target(action: str, data: dict) -> str:
    if data.get("to"):
        return data["to"]
    return workflow.SUBMITTED if action == workflow.SUBMIT else ""


def refusal_message(request, error: workflow.TransitionError) -> None:
    """A translated message for a refused transition (its own text is for developers)."""
    messages.error(
        request,
        _("%(action)s: %(reason)s")
        % {
            "action": workflow.ACTIONS.get(error.action, error.action),
            "reason": workflow.refusal_message(error),
        },
    )


def get_or_404(queryset, **kwargs):
    try:
        return queryset.get(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc

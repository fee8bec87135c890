"""The emptying workflow as a pure transition table.

No Django models here: the table is data, ``transition()`` is a pure function,
and services in ``backoffice.fsm.services`` apply it to applications.  Roles
are the slugs of ``tenants.roles`` plus ``CITIZEN`` for the public applicant.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

CITIZEN = "citizen"
MANAGER = "fsm_manager"
PROVIDER = "service_provider"
CARETAKER = "caretaker"
ADMIN = "municipal_admin"

# States
SUBMITTED = "submitted"
SENT_BACK = "sent_back"
ASSESSED = "assessed"
FEE_SETTLED = "fee_settled"
SCHEDULED = "scheduled"
PROVIDER_DECLINED = "provider_declined"
EMPTIED = "emptied"
DISPOSED = "disposed"
CLOSED = "closed"
REJECTED = "rejected"
CANCELLED = "cancelled"

STATES: dict[str, object] = {
    SUBMITTED: _("Submitted"),
    SENT_BACK: _("Sent back to the applicant"),
    ASSESSED: _("Assessed"),
    FEE_SETTLED: _("Fee settled"),
    SCHEDULED: _("Scheduled"),
    PROVIDER_DECLINED: _("Declined by the service provider"),
    EMPTIED: _("Emptied"),
    DISPOSED: _("Disposed at a treatment plant"),
    CLOSED: _("Closed with feedback"),
    REJECTED: _("Rejected"),
    CANCELLED: _("Cancelled"),
}
FINAL_STATES = frozenset({CLOSED, REJECTED, CANCELLED})

# Actions
SUBMIT = "submit"
RESUBMIT = "resubmit"
SEND_BACK = "send_back"
ASSESS = "assess"
SETTLE_FEE = "settle_fee"
SCHEDULE = "schedule"
REASSIGN = "reassign"
DECLINE = "decline"
EMPTY = "empty"
DISPOSE = "dispose"
FEEDBACK = "feedback"
REJECT = "reject"
CANCEL = "cancel"

ACTIONS: dict[str, object] = {
    SUBMIT: _("Submit"),
    RESUBMIT: _("Resubmit"),
    SEND_BACK: _("Send back"),
    ASSESS: _("Assess"),
    SETTLE_FEE: _("Settle the fee"),
    SCHEDULE: _("Schedule"),
    REASSIGN: _("Reassign to another provider"),
    DECLINE: _("Decline the job"),
    EMPTY: _("Record the emptying"),
    DISPOSE: _("Confirm the disposal"),
    FEEDBACK: _("Give feedback"),
    REJECT: _("Reject"),
    CANCEL: _("Cancel"),
}

# Submission has no prior state: it is taken from INITIAL.
INITIAL = ""

STAFF_INTAKE = frozenset({MANAGER, ADMIN})
OFFICE = frozenset({MANAGER, ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    target: str


# (state, action) -> who may take it and where it leads.  Anything absent is refused.
TABLE: dict[tuple[str, str], Rule] = {
    (INITIAL, SUBMIT): Rule(frozenset({CITIZEN}) | STAFF_INTAKE, SUBMITTED),
    (SUBMITTED, ASSESS): Rule(OFFICE, ASSESSED),
    (SUBMITTED, SEND_BACK): Rule(OFFICE, SENT_BACK),
    (SUBMITTED, REJECT): Rule(OFFICE, REJECTED),
    (SUBMITTED, CANCEL): Rule(frozenset({CITIZEN}) | OFFICE, CANCELLED),
    (SENT_BACK, RESUBMIT): Rule(frozenset({CITIZEN}) | STAFF_INTAKE, SUBMITTED),
    (SENT_BACK, CANCEL): Rule(frozenset({CITIZEN}) | OFFICE, CANCELLED),
    (ASSESSED, SETTLE_FEE): Rule(OFFICE | {"revenue_collector"}, FEE_SETTLED),
    (ASSESSED, REJECT): Rule(OFFICE, REJECTED),
    (ASSESSED, CANCEL): Rule(frozenset({CITIZEN}) | OFFICE, CANCELLED),
    (FEE_SETTLED, SCHEDULE): Rule(OFFICE, SCHEDULED),
    (FEE_SETTLED, CANCEL): Rule(OFFICE, CANCELLED),
    (SCHEDULED, EMPTY): Rule(frozenset({PROVIDER}), EMPTIED),
    (SCHEDULED, DECLINE): Rule(frozenset({PROVIDER}), PROVIDER_DECLINED),
    (SCHEDULED, REASSIGN): Rule(OFFICE, SCHEDULED),
    (SCHEDULED, CANCEL): Rule(OFFICE, CANCELLED),
    (PROVIDER_DECLINED, REASSIGN): Rule(OFFICE, SCHEDULED),
    (PROVIDER_DECLINED, CANCEL): Rule(OFFICE, CANCELLED),
    (EMPTIED, DISPOSE): Rule(frozenset({CARETAKER}), DISPOSED),
    (DISPOSED, FEEDBACK): Rule(frozenset({CITIZEN}), CLOSED),
}

# Default service level per state, in hours (None: no clock runs).
SLA_HOURS: dict[str, int | None] = {
    SUBMITTED: 24,
    SENT_BACK: 72,
    ASSESSED: 72,
    FEE_SETTLED: 24,
    SCHEDULED: 72,
    PROVIDER_DECLINED: 24,
    EMPTIED: 12,
    DISPOSED: 168,
    CLOSED: None,
    REJECTED: None,
    CANCELLED: None,
}


class TransitionError(Exception):
    """The action is not allowed from this state, or not for this role."""

    def __init__(self, state: str, action: str, role: str, reason: str):
        self.state, self.action, self.role, self.reason = state, action, role, reason
        super().__init__(f"{action!r} from state {state!r} by role {role!r} refused: {reason}")


def transition(state: str, action: str, role: str) -> str:
    """The state an application reaches when ``role`` takes ``action`` in ``state``."""
    if state not in STATES and state != INITIAL:
        raise TransitionError(state, action, role, "unknown state")
    if action not in ACTIONS:
        raise TransitionError(state, action, role, "unknown action")
    rule = TABLE.get((state, action))
    if rule is None:
        raise TransitionError(state, action, role, "action not available in this state")
    if role not in rule.roles:
        raise TransitionError(state, action, role, "role may not take this action")
    return rule.target


def actions_for(state: str, role: str) -> list[str]:
    """Actions ``role`` may take from ``state``, in table order."""
    return [a for (s, a), rule in TABLE.items() if s == state and role in rule.roles]

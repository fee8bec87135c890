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
    CLOSED: _("Closed"),
    REJECTED: _("Rejected"),
    CANCELLED: _("Cancelled"),
}
# The job is over in these states (no SLA clock); only feedback follows CLOSED.
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
    # The caretaker's confirmation of the disposal closes the job.
    (EMPTIED, DISPOSE): Rule(frozenset({CARETAKER}), CLOSED),
    # Feedback comes after closing (the office records it when given by phone);
    # the state stays CLOSED and services allow it once.
    (CLOSED, FEEDBACK): Rule(frozenset({CITIZEN}) | OFFICE, CLOSED),
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
    CLOSED: None,
    REJECTED: None,
    CANCELLED: None,
}


# Reasons a transition is refused (TransitionError.reason).
UNKNOWN_STATE = "unknown state"
UNKNOWN_ACTION = "unknown action"
NOT_AVAILABLE = "action not available in this state"
ROLE_REFUSED = "role may not take this action"
ROLE_NOT_HELD = "the actor does not hold this role"
NOT_YOURS = "the job is not assigned to the actor"
FEEDBACK_GIVEN = "feedback already given"
CHANGED = "the application changed meanwhile"

REFUSALS: dict[str, object] = {
    UNKNOWN_STATE: _("This application is in an unknown state."),
    UNKNOWN_ACTION: _("This action is unknown."),
    NOT_AVAILABLE: _("This cannot be done in the application's current state."),
    ROLE_REFUSED: _("Your role may not do this."),
    ROLE_NOT_HELD: _("You do not hold the role this needs."),
    NOT_YOURS: _("This job is not assigned to you."),
    FEEDBACK_GIVEN: _("Feedback has already been given for this application."),
    CHANGED: _("Someone changed this application meanwhile; reload and try again."),
}


class TransitionError(Exception):
    """The action is not allowed from this state, or not for this role."""

    def __init__(self, state: str, action: str, role: str, reason: str):
        self.state, self.action, self.role, self.reason = state, action, role, reason
        super().__init__(f"{action!r} from state {state!r} by role {role!r} refused: {reason}")

    @property
    def message(self) -> str:
        return refusal_message(self)


def refusal_message(error: TransitionError) -> str:
    """A translated sentence for the user, in the active language."""
    return str(REFUSALS.get(error.reason, _("This action is not allowed.")))


def transition(state: str, action: str, role: str) -> str:
    """The state an application reaches when ``role`` takes ``action`` in ``state``."""
    if state not in STATES and state != INITIAL:
        raise TransitionError(state, action, role, UNKNOWN_STATE)
    if action not in ACTIONS:
        raise TransitionError(state, action, role, UNKNOWN_ACTION)
    rule = TABLE.get((state, action))
    if rule is None:
        raise TransitionError(state, action, role, NOT_AVAILABLE)
    if role not in rule.roles:
        raise TransitionError(state, action, role, ROLE_REFUSED)
    return rule.target


def actions_for(state: str, role: str) -> list[str]:
    """Actions ``role`` may take from ``state``, in table order."""
    return [a for (s, a), rule in TABLE.items() if s == state and role in rule.roles]

"""The transition table, exhaustively: every state x action x role."""

import itertools

import pytest

from backoffice.fsm import workflow as wf
from tenants.roles import ROLES

ROLE_SLUGS = [r.slug for r in ROLES] + [wf.CITIZEN]
ALL_STATES = [wf.INITIAL, *wf.STATES]

# The documented table, written out independently of workflow.TABLE.
OFFICE = {"fsm_manager", "municipal_admin"}
C = {"citizen"}
EXPECTED = {
    ("", "submit"): (C | OFFICE, "submitted"),
    ("submitted", "assess"): (OFFICE, "assessed"),
    ("submitted", "send_back"): (OFFICE, "sent_back"),
    ("submitted", "reject"): (OFFICE, "rejected"),
    ("submitted", "cancel"): (C | OFFICE, "cancelled"),
    ("sent_back", "resubmit"): (C | OFFICE, "submitted"),
    ("sent_back", "cancel"): (C | OFFICE, "cancelled"),
    ("assessed", "settle_fee"): (OFFICE | {"revenue_collector"}, "fee_settled"),
    ("assessed", "reject"): (OFFICE, "rejected"),
    ("assessed", "cancel"): (C | OFFICE, "cancelled"),
    ("fee_settled", "schedule"): (OFFICE, "scheduled"),
    ("fee_settled", "cancel"): (OFFICE, "cancelled"),
    ("scheduled", "empty"): ({"service_provider"}, "emptied"),
    ("scheduled", "decline"): ({"service_provider"}, "provider_declined"),
    ("scheduled", "reassign"): (OFFICE, "scheduled"),
    ("scheduled", "cancel"): (OFFICE, "cancelled"),
    ("provider_declined", "reassign"): (OFFICE, "scheduled"),
    ("provider_declined", "cancel"): (OFFICE, "cancelled"),
    ("emptied", "dispose"): ({"caretaker"}, "closed"),
    ("closed", "feedback"): (C | OFFICE, "closed"),
}

CASES = list(itertools.product(ALL_STATES, wf.ACTIONS, ROLE_SLUGS))


def test_table_matches_documentation():
    assert {k: (set(r.roles), r.target) for k, r in wf.TABLE.items()} == EXPECTED


@pytest.mark.parametrize("state,action,role", CASES)
def test_every_state_action_role(state, action, role):
    allowed = EXPECTED.get((state, action))
    if allowed is not None and role in allowed[0]:
        assert wf.transition(state, action, role) == allowed[1]
    else:
        with pytest.raises(wf.TransitionError) as info:
            wf.transition(state, action, role)
        assert info.value.state == state and info.value.action == action


def test_final_states_have_no_exit_but_feedback_after_closing():
    for state in wf.FINAL_STATES:
        for role in ROLE_SLUGS:
            actions = wf.actions_for(state, role)
            if state == wf.CLOSED and role in C | OFFICE:
                assert actions == [wf.FEEDBACK]
                assert wf.transition(state, wf.FEEDBACK, role) == wf.CLOSED
            else:
                assert actions == []


def test_there_is_no_disposed_state():
    assert "disposed" not in wf.STATES
    assert wf.transition(wf.EMPTIED, wf.DISPOSE, "caretaker") == wf.CLOSED


def test_unknown_state_and_action_refused():
    with pytest.raises(wf.TransitionError, match="unknown state"):
        wf.transition("nowhere", wf.ASSESS, "fsm_manager")
    with pytest.raises(wf.TransitionError, match="unknown action"):
        wf.transition(wf.SUBMITTED, "fly", "fsm_manager")


def test_every_state_has_an_sla_entry_and_is_reachable():
    assert set(wf.SLA_HOURS) == set(wf.STATES)
    targets = {r.target for r in wf.TABLE.values()}
    assert targets == set(wf.STATES)


def test_viewer_can_do_nothing():
    for state in ALL_STATES:
        assert wf.actions_for(state, "viewer") == []


def test_refusal_messages_are_translated():
    from django.utils import translation

    try:
        wf.transition(wf.SUBMITTED, wf.DISPOSE, "caretaker")
    except wf.TransitionError as error:
        refused = error
    assert refused.reason == wf.NOT_AVAILABLE
    with translation.override("en"):
        english = wf.refusal_message(refused)
    with translation.override("bn"):
        bangla = wf.refusal_message(refused)
    assert english == "This cannot be done in the application's current state."
    assert bangla and bangla != english
    assert set(wf.REFUSALS) >= {
        wf.UNKNOWN_STATE,
        wf.UNKNOWN_ACTION,
        wf.NOT_AVAILABLE,
        wf.ROLE_REFUSED,
        wf.ROLE_NOT_HELD,
        wf.NOT_YOURS,
        wf.FEEDBACK_GIVEN,
    }
    unknown = wf.TransitionError("x", "y", "z", "something else")
    assert wf.refusal_message(unknown) == str(wf.REFUSALS.get("", "This action is not allowed."))

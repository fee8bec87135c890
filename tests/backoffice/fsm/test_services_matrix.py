"""The services enforce the transition table for real users: in every state,
every action the table refuses to a role is refused by
``application_transition`` for a user holding that role, and changes
nothing."""

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from tenants.audit.models import AuditEvent
from tenants.roles import ROLES
from tests.backoffice.fsm.factories import application_at, fsm_sample
from tests.conftest import staff_user

STATES = list(wf.STATES)


def test_every_action_has_its_fields():
    assert set(services.ACTION_FIELDS) == set(wf.ACTIONS)


@pytest.mark.parametrize("state", STATES)
def test_refused_steps_change_nothing(tenant_a, state):
    with schema_context(tenant_a.schema_name):
        ctx = fsm_sample(tenant_a)
        app = application_at(ctx, state)
        actors = {r.slug: staff_user(tenant_a, r.slug) for r in ROLES}
        actors[wf.CITIZEN] = None
        events = AuditEvent.objects.count()
        refused = 0
        for action in wf.ACTIONS:
            for role, actor in actors.items():
                rule = wf.TABLE.get((state, action))
                if rule is not None and role in rule.roles:
                    continue
                with pytest.raises(wf.TransitionError) as info:
                    services.application_transition(
                        actor=actor, role=role, application=app, action=action
                    )
                assert info.value.reason in (wf.NOT_AVAILABLE, wf.ROLE_REFUSED)
                assert wf.refusal_message(info.value)
                refused += 1
        after = EmptyingApplication.objects.get(pk=app.pk)
        assert (after.state, after.state_changed_at) == (app.state, app.state_changed_at)
        assert AuditEvent.objects.count() == events
        assert refused > 0

"""The applicant hears of each step by SMS: a step queues one message in
its own transaction (a refused step queues nothing), in both
municipalities separately."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.notifications.models import SmsMessage
from tests.backoffice.fsm.factories import PHONE, application_at, fsm_sample

pytestmark = pytest.mark.django_db


def _status_messages(reference: str) -> list[str]:
    return list(
        SmsMessage.objects.filter(related=f"fsm:{reference}", template_key__contains="status")
        .order_by("pk")
        .values_list("body", flat=True)
    )


def test_each_staff_step_queues_a_status_sms_and_a_refused_one_none(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        ctx = fsm_sample(tenant_a)
        app = application_at(ctx, wf.ASSESSED)
        assert len(_status_messages(app.reference)) == 1  # assessed
        with pytest.raises(wf.TransitionError):  # a provider cannot empty an unscheduled job
            services.application_empty(
                actor=ctx["provider_user"], application=app, volume_m3=Decimal("3")
            )
        assert len(_status_messages(app.reference)) == 1
        services.application_reject(
            actor=ctx["manager"], role=wf.MANAGER, application=app, reason="No access road"
        )
        bodies = _status_messages(app.reference)
        assert len(bodies) == 2 and app.reference in bodies[-1]
        assert SmsMessage.objects.filter(phone=PHONE).exists()
    with schema_context(tenant_b.schema_name):
        assert not SmsMessage.objects.filter(related=f"fsm:{app.reference}").exists()

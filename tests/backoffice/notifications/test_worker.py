"""On a real Celery worker: messages queued (and committed) in two
municipalities are sent from each one's own outbox; repeated tasks for the
same message send nothing more.  Rows are committed and removed from a
separate process, since the worker cannot see a test transaction."""

import time

import pytest
from django_tenants.utils import schema_context

from backoffice.notifications.models import SmsMessage
from backoffice.notifications.tasks import sms_send_task
from tests.support.cleanup import manage

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

PHONES = {"khulna": "+8801711000021", "jashore": "+8801711000022"}

_QUEUE = """
from django_tenants.utils import schema_context
from backoffice.notifications.services import sms_queue
for schema, phone in %(phones)r.items():
    with schema_context(schema):
        m = sms_queue(phone=phone, template_key="fsm.cancelled", language="en",
                      context={"municipality": {"en": schema.title()}, "reference": "R-" + schema},
                      related="worker-test")
        print(schema, m.pk)
"""

_REMOVE = """
from django_tenants.utils import schema_context
from backoffice.notifications.models import SmsMessage
for schema in ("khulna", "jashore"):
    with schema_context(schema):
        SmsMessage.objects.filter(related="worker-test").delete()
"""


@pytest.fixture
def queued(celery_worker, sms_simulator, tenant_a, tenant_b):
    sms_simulator.reset()
    result = manage("shell", "-c", _QUEUE % {"phones": PHONES})
    assert result.returncode == 0, result.stderr
    ids = dict(line.split() for line in result.stdout.strip().splitlines()[-2:])
    yield {schema: int(pk) for schema, pk in ids.items()}
    result = manage("shell", "-c", _REMOVE)
    assert result.returncode == 0, result.stderr
    sms_simulator.reset()


def _wait_sent(schema: str, pk: int) -> SmsMessage:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with schema_context(schema):
            message = SmsMessage.objects.get(pk=pk)
        if message.status != SmsMessage.Status.QUEUED:
            return message
        time.sleep(0.2)
    raise AssertionError(f"message {pk} in {schema} still queued")


def test_worker_sends_each_municipalitys_message_once(queued, sms_simulator):
    for schema, pk in queued.items():
        with schema_context(schema):
            repeats = [sms_send_task.delay(pk), sms_send_task.delay(pk)]
        for result in repeats:
            assert "sent after 1 attempt" in result.get(timeout=30)
        message = _wait_sent(schema, pk)
        assert message.status == SmsMessage.Status.SENT and message.attempts == 1
        [received] = sms_simulator.messages(PHONES[schema])
        assert received["sms_body"] == message.body
        assert schema.title() in message.body
    for schema, other in (("khulna", "jashore"), ("jashore", "khulna")):
        with schema_context(schema):
            rows = SmsMessage.objects.filter(related="worker-test")
            phones = set(rows.values_list("phone", flat=True))
        assert phones == {PHONES[schema]}, other


_QUEUE_ONE = """
from django_tenants.utils import schema_context
from backoffice.notifications.services import sms_queue
with schema_context("khulna"):
    m = sms_queue(phone="+8801711000029", template_key="fsm.cancelled", language="bn",
                  context={"municipality": {"en": "Khulna", "bn": "খুলনা"}, "reference": "R-9"},
                  related="worker-test")
    print(m.pk)
"""


def test_worker_retries_after_gateway_errors(celery_worker, sms_simulator, tenant_a):
    sms_simulator.reset()
    sms_simulator.fail("http500", count=2)  # the first two tries fail, the third goes through
    try:
        result = manage("shell", "-c", _QUEUE_ONE)
        assert result.returncode == 0, result.stderr
        pk = int(result.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with schema_context("khulna"):
                message = SmsMessage.objects.get(pk=pk)
            if message.status == SmsMessage.Status.SENT:
                break
            time.sleep(0.2)
        assert message.status == SmsMessage.Status.SENT and message.attempts == 3
        assert "HTTP 500" not in message.error
        [received] = sms_simulator.messages("+8801711000029")
        assert "খুলনা" in received["sms_body"] and received["sms_type"] == "BN"
    finally:
        assert manage("shell", "-c", _REMOVE).returncode == 0
        sms_simulator.reset()

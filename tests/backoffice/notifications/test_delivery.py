"""Delivery through the SSL Wireless adapter against the protocol simulator
(a real HTTP server process): sent, retried, failed, never sent twice."""

import pytest
from django_tenants.utils import schema_context

from backoffice.notifications import texts
from backoffice.notifications.gateway import GatewayError, SslWirelessGateway
from backoffice.notifications.models import SmsMessage
from backoffice.notifications.services import REDACTED, sms_deliver, sms_queue
from backoffice.notifications.tasks import sms_send_task

PHONE = "+8801711000001"
NAME = {"en": "Khulna City Corporation", "bn": "খুলনা সিটি কর্পোরেশন"}


@pytest.fixture
def sim(sms_simulator):
    sms_simulator.reset()
    yield sms_simulator
    sms_simulator.reset()


def queue_status(phone=PHONE, language="en") -> SmsMessage:
    return sms_queue(
        phone=phone,
        template_key=texts.FSM_STATUS,
        language=language,
        context={"municipality": NAME, "reference": "KHU-E2026-000001", "state": "Scheduled"},
        related="fsm:KHU-E2026-000001",
    )


def test_a_message_is_delivered_and_logged(sim, tenant_a):
    with schema_context(tenant_a.schema_name):
        message = queue_status(phone="01711000001")  # normalised on the way in
        assert message.phone == PHONE and message.status == SmsMessage.Status.QUEUED
        delivery = sms_deliver(message_id=message.pk)
        message.refresh_from_db()
    assert not delivery.retry
    assert message.status == SmsMessage.Status.SENT and message.attempts == 1
    assert message.sent_at is not None and message.gateway_reference
    [received] = sim.messages(PHONE)
    assert received["msisdn"] == "8801711000001"
    assert received["sms_body"] == message.body
    assert received["csms_id"] == message.csms_id and len(message.csms_id) <= 20
    assert received["reference_id"] == message.gateway_reference
    assert received["sms_type"] == "EN"


def test_bangla_text_goes_as_unicode(sim, tenant_a):
    with schema_context(tenant_a.schema_name):
        message = queue_status(language="bn")
        sms_deliver(message_id=message.pk)
    [received] = sim.messages(PHONE)
    assert received["sms_type"] == "BN"
    assert "খুলনা সিটি কর্পোরেশন" in received["sms_body"]


def test_a_one_time_code_leaves_the_log_once_sent(sim, tenant_a):
    with schema_context(tenant_a.schema_name):
        message = sms_queue(
            phone=PHONE,
            template_key=texts.OTP,
            language="en",
            context={"municipality": NAME, "code": "482913", "minutes": 10},
        )
        assert "482913" in message.body
        sms_deliver(message_id=message.pk)
        message.refresh_from_db()
    assert message.body == REDACTED
    assert "482913" in sim.messages(PHONE)[0]["sms_body"]


def test_gateway_errors_are_retried_then_the_message_fails(sim, tenant_a, settings):
    sim.fail("http500", count=-1)  # the gateway keeps failing
    with schema_context(tenant_a.schema_name):
        message = queue_status()
        first = sms_deliver(message_id=message.pk)
        assert first.retry and first.message.status == SmsMessage.Status.QUEUED
        assert "HTTP 500" in first.message.error
        # the task retries (eagerly here, with backoff on a worker) until the limit
        sms_send_task.apply(args=[message.pk])
        message.refresh_from_db()
    assert message.status == SmsMessage.Status.FAILED
    assert message.attempts == settings.IMIS_SMS_MAX_ATTEMPTS == 3
    assert sim.messages(PHONE) == []


def test_a_transient_error_then_success(sim, tenant_a):
    sim.fail("error", count=1)  # status FAILED 5000 once
    with schema_context(tenant_a.schema_name):
        message = queue_status()
        sms_send_task.apply(args=[message.pk])
        message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT and message.attempts == 2
    assert len(sim.messages(PHONE)) == 1


def test_a_refusal_is_not_retried(sim, tenant_a, settings):
    wrong = SslWirelessGateway(
        base_url=settings.IMIS_SMS_URL, api_token="wrong", sid=settings.IMIS_SMS_SID, timeout=5
    )
    with pytest.raises(GatewayError) as refused:
        wrong.send(phone=PHONE, text="x", csms_id="IMIStest1")
    assert refused.value.code == 4001 and not refused.value.retryable
    with schema_context(tenant_a.schema_name):
        message = queue_status()
        delivery = sms_deliver(message_id=message.pk, gateway=wrong)
    assert not delivery.retry
    assert delivery.message.status == SmsMessage.Status.FAILED
    assert delivery.message.attempts == 1 and "4001" in delivery.message.error


def test_the_simulator_checks_fields_like_the_gateway(sim, settings):
    gateway = SslWirelessGateway(
        base_url=settings.IMIS_SMS_URL,
        api_token=settings.IMIS_SMS_API_TOKEN,
        sid="OTHER",
        timeout=5,
    )
    with pytest.raises(GatewayError) as refused:
        gateway.send(phone=PHONE, text="x", csms_id="IMIStest2")
    assert refused.value.code == 4002
    gateway.sid = settings.IMIS_SMS_SID
    for phone, text, csms_id, code in (
        ("+8801211000000", "x", "IMIStest3", 4025),
        (PHONE, "x" * 1001, "IMIStest4", 4027),
        (PHONE, "x", "I" * 21, 4020),
    ):
        with pytest.raises(GatewayError) as refused:
            gateway.send(phone=phone, text=text, csms_id=csms_id)
        assert refused.value.code == code


def test_a_repeated_task_does_not_send_twice(sim, tenant_a):
    with schema_context(tenant_a.schema_name):
        message = queue_status()
        sms_send_task.apply(args=[message.pk])
        sms_send_task.apply(args=[message.pk])  # e.g. redelivered after a worker died
        message.refresh_from_db()
        assert message.attempts == 1
        # Even if our row had not recorded the send (a crash after the gateway
        # took it), the gateway refuses the same csms_id: counted as sent, once.
        SmsMessage.objects.filter(pk=message.pk).update(status=SmsMessage.Status.QUEUED)
        again = sms_deliver(message_id=message.pk)
    assert again.message.status == SmsMessage.Status.SENT and not again.retry
    assert len(sim.messages(PHONE)) == 1


def test_each_municipality_keeps_its_own_outbox(sim, tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        khulna = queue_status(phone="+8801711000002")
        sms_deliver(message_id=khulna.pk)
    with schema_context(tenant_b.schema_name):
        jashore = sms_queue(
            phone="+8801711000003",
            template_key=texts.FSM_CANCELLED,
            language="en",
            context={"municipality": {"en": "Jashore Paurashava"}, "reference": "JAS-E1"},
        )
        sms_deliver(message_id=jashore.pk)
        assert list(SmsMessage.objects.values_list("phone", flat=True)) == ["+8801711000003"]
    with schema_context(tenant_a.schema_name):
        assert list(SmsMessage.objects.values_list("phone", flat=True)) == ["+8801711000002"]
    assert khulna.csms_id != jashore.csms_id
    assert "Jashore" in sim.messages("+8801711000003")[0]["sms_body"]


def test_status_sms_for_an_application(sim, tenant_a):
    from backoffice.fsm import workflow
    from backoffice.fsm.models import EmptyingApplication
    from backoffice.notifications.fsm import application_status_sms_queue

    application = EmptyingApplication(
        reference="KHU-E2026-000042", applicant_phone=PHONE, state=workflow.SCHEDULED
    )
    with schema_context(tenant_a.schema_name):
        message = application_status_sms_queue(application=application)
        assert "KHU-E2026-000042" in message.body and "খুলনা সিটি কর্পোরেশন" in message.body
        assert "নির্ধারিত" in message.body or "শিডিউল" in message.body  # state label in Bangla
        english = application_status_sms_queue(application=application, language="en")
        assert english.body.endswith("is now: Scheduled.")
        application.state = workflow.SUBMITTED
        assert application_status_sms_queue(application=application) is None


def test_messages_that_lost_their_task_are_found_again(tenant_a):
    import datetime

    from django.utils import timezone

    from backoffice.notifications.services import sms_stale_ids

    with schema_context(tenant_a.schema_name):
        fresh = queue_status()
        lost = queue_status()
        tried = queue_status()
        done = queue_status()
        old = timezone.now() - datetime.timedelta(hours=1)
        SmsMessage.objects.filter(pk__in=[lost.pk, tried.pk, done.pk]).update(created_at=old)
        SmsMessage.objects.filter(pk=tried.pk).update(last_attempt_at=timezone.now())
        SmsMessage.objects.filter(pk=done.pk).update(status=SmsMessage.Status.SENT)
        assert sms_stale_ids() == [lost.pk]
        assert fresh.pk not in sms_stale_ids()


def test_a_task_for_a_vanished_message_ends_quietly(tenant_a):
    with schema_context(tenant_a.schema_name):
        assert sms_send_task.apply(args=[987654321]).get() == "sms 987654321: gone"

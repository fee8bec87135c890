"""The municipal admin's SMS delivery log: role matrix, own municipality
only, one-time codes never shown, filters."""

import pytest
from django_tenants.utils import schema_context

from backoffice.notifications import texts
from backoffice.notifications.models import SmsMessage
from backoffice.notifications.services import sms_queue
from tests.conftest import login
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

URL = "/staff/notifications/sms/"


def queue(phone: str, template_key=texts.FSM_CANCELLED, **context) -> SmsMessage:
    return sms_queue(
        phone=phone,
        template_key=template_key,
        language="en",
        context={"municipality": {"en": "Town"}, "reference": "REF-1", **context},
    )


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_sms_log_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    assert_role_matrix(tenant, host_of(tenant.code), [MatrixRow(URL, allowed={"municipal_admin"})])


def test_the_log_shows_this_municipalitys_messages_without_codes(client_a, tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        queue("+8801711000031")
        failed = queue("+8801711000032")
        SmsMessage.objects.filter(pk=failed.pk).update(
            status=SmsMessage.Status.FAILED, attempts=3, error="HTTP 500 from the gateway"
        )
        queue("+8801711000033", template_key=texts.OTP, code="918273", minutes=10)
    with schema_context(tenant_b.schema_name):
        queue("+8801711000034")
    login(client_a, tenant_a, "municipal_admin")
    page = client_a.get(URL).content.decode()
    assert "+8801711000031" in page and "HTTP 500 from the gateway" in page
    assert "+8801711000033" in page and "918273" not in page  # the code is never shown
    assert "+8801711000034" not in page  # Jashore's
    page = client_a.get(URL, {"status": "failed"}).content.decode()
    assert "+8801711000032" in page and "+8801711000031" not in page
    page = client_a.get(URL, {"phone": "০০০৩১"}).content.decode()  # last digits, Bangla
    assert "+8801711000031" in page and "+8801711000032" not in page


def test_no_log_where_notifications_are_switched_off(client_a, tenant_a):
    from tenants.models import Municipality

    Municipality.objects.filter(pk=tenant_a.pk).update(
        modules=[m for m in tenant_a.modules if m != "notifications"]
    )
    login(client_a, tenant_a, "municipal_admin")
    assert client_a.get(URL).status_code == 404

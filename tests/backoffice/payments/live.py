"""Bills committed for the live servers (gunicorn, the worker), made and
removed by ``manage.py shell`` in a fresh process: the servers cannot see a
test transaction.  Used by the gateway flow tests and the browser test."""

import pytest

from tests.support.cleanup import manage

_SETUP = """
from decimal import Decimal
from django_tenants.utils import schema_context
from backoffice.registry.models import Ward
from tests.backoffice.payments.factories import bill_make
for schema, count in (("khulna", %(count)d), ("jashore", 1)):
    with schema_context(schema):
        had_ward = Ward.objects.filter(number=1).exists()
        numbers = [bill_make(code=f"01-088-{i + 1:04d}-00", total=Decimal("1234.50")).number
                   for i in range(count)]
        print(schema, int(had_ward), ",".join(numbers))
"""

_TEARDOWN = """
from django.db import connection, transaction
from django_tenants.utils import schema_context
from backoffice.billing.models import Bill, BillingPeriod, BillRun
from backoffice.payments.models import (
    Payment, PaymentTransaction, ReceiptCancellation, ReceiptSequence)
from backoffice.registry.models import ChangeRecord, Holding, Ward
from tenants.audit.models import AuditEvent
from tests.backoffice.payments.factories import YEAR
for schema, had_ward in %(wards)r.items():
    with schema_context(schema), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE billing_bill DISABLE TRIGGER billing_bill_immutable")
        ReceiptCancellation.objects.all().delete()
        Payment.objects.all().delete()
        PaymentTransaction.objects.all().delete()
        ReceiptSequence.objects.all().delete()
        Bill.objects.filter(run__period__year=YEAR).delete()
        BillRun.objects.filter(period__year=YEAR).delete()
        BillingPeriod.objects.filter(year=YEAR).delete()
        holdings = Holding.objects.filter(code__startswith="01-088-")
        ids = list(holdings.values_list("pk", flat=True))
        ChangeRecord.objects.filter(model="holding", object_id__in=ids).delete()
        holdings.delete()
        if not had_ward:
            Ward.objects.filter(number=1).delete()
        AuditEvent.objects.filter(action__startswith="payments.").delete()
        AuditEvent.objects.filter(
            object_type="registry.holding", object_id__in=[str(pk) for pk in ids]
        ).delete()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE billing_bill ENABLE TRIGGER billing_bill_immutable")
"""


def committed_bills(count: int):
    """Yield {"khulna": [numbers], "jashore": number}; remove everything after."""
    result = manage("shell", "-c", _SETUP % {"count": count})
    lines = [line.split() for line in result.stdout.strip().splitlines()[-2:]]
    wards = {line[0]: bool(int(line[1])) for line in lines if len(line) == 3}
    if result.returncode != 0:
        manage("shell", "-c", _TEARDOWN % {"wards": wards or {"khulna": 1, "jashore": 1}})
        pytest.fail(f"payment bills setup failed: {result.stderr[-600:]}")
    numbers = {line[0]: line[2].split(",") for line in lines}
    yield {"khulna": list(numbers["khulna"]), "jashore": numbers["jashore"][0]}
    result = manage("shell", "-c", _TEARDOWN % {"wards": wards})
    assert result.returncode == 0, result.stderr

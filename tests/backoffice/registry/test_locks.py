"""A ward's bill-run lock (backoffice.registry.locks): a run's issue of a
ward waits for a payment in flight in that ward, and a payment waits while
its ward is issued, so no payment falls between what a newer bill's arrears
saw and its issue time.  Another municipality, another ward or the other
service never wait.  The payment or the issue "in flight" is another
connection holding the lock; a short lock_timeout turns a wait into an error."""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django_tenants.utils import schema_context

from backoffice.billing import services as billing
from backoffice.billing.models import Bill
from backoffice.payments import services as payments
from backoffice.registry.locks import ward_lock_key
from backoffice.registry.models import Ward
from backoffice.water import runs as water_runs
from backoffice.water.models import WaterBill
from tests.backoffice.billing.test_services import approved_run, billing_sample
from tests.backoffice.water.factories import period_make as water_period_make
from tests.backoffice.water.factories import water_sample
from tests.conftest import staff_user
from tests.support.connections import own_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        billing_sample(staff_user(tenant_a, "gis_officer"))
        yield tenant_a


@contextmanager
def held_elsewhere(*, service: str, schema: str, ward_id: int, shared: bool):
    """Another connection holding the lock in an open transaction."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with own_connection() as other, other.transaction():
        key = ward_lock_key(service=service, schema=schema)
        other.execute(f"SELECT {function}(%s, %s)", [key, ward_id])
        yield


def waits_briefly() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '300ms'")


def test_a_ward_issue_waits_for_a_payment_in_flight_in_that_ward(in_a):
    run = approved_run(in_a)
    ward_id = Ward.objects.get(number=1).pk
    with held_elsewhere(service="billing", schema=in_a.schema_name, ward_id=ward_id, shared=True):
        waits_briefly()
        with pytest.raises(OperationalError):
            billing.bill_run_issue(run_id=run.pk)
        assert not Bill.objects.filter(run=run).exists()
    # Water's lock of the same ward, or this ward in the other municipality,
    # do not hold holding tax's issue back (this test's own failed attempt
    # took no lock: it timed out waiting).
    with (
        held_elsewhere(service="water", schema=in_a.schema_name, ward_id=ward_id, shared=False),
        held_elsewhere(service="billing", schema="jashore", ward_id=ward_id, shared=False),
    ):
        billing.bill_run_issue(run_id=run.pk)
    assert Bill.objects.filter(run=run).count() == 4


def test_a_payment_waits_while_its_ward_is_issued(in_a, monkeypatch):
    run = approved_run(in_a)
    # Set-up only: an issue's lock lasts to the end of the test's transaction
    # (advisory locks outlive savepoints), so the bills are issued without it.
    monkeypatch.setattr(billing, "ward_lock", lambda **kwargs: None)
    billing.bill_run_issue(run_id=run.pk)
    monkeypatch.undo()
    bill = Bill.objects.select_related("holding").get(run=run, holding__code="01-001-0003-00")
    collector = staff_user(in_a, "revenue_collector")
    ward_id = bill.holding.ward_id
    with held_elsewhere(service="billing", schema=in_a.schema_name, ward_id=ward_id, shared=False):
        waits_briefly()
        with pytest.raises(OperationalError):
            payments.counter_payment_record(actor=collector, bill=bill, amount=Decimal("100"))
    # Payments in flight share the lock; other municipalities' issues do not block.
    with (
        held_elsewhere(service="billing", schema=in_a.schema_name, ward_id=ward_id, shared=True),
        held_elsewhere(service="billing", schema="jashore", ward_id=ward_id, shared=False),
    ):
        payment = payments.counter_payment_record(actor=collector, bill=bill, amount=Decimal("100"))
    assert payment.amount == Decimal("100") and payment.bill_id == bill.pk


def test_keys_differ_by_service_and_municipality():
    keys = {
        ward_lock_key(service=service, schema=schema)
        for service in ("billing", "water")
        for schema in ("khulna", "jashore")
    }
    assert len(keys) == 4 and all(-(2**31) <= key < 2**31 for key in keys)
    with pytest.raises(ValueError):
        ward_lock_key(service="fsm", schema="khulna")


@pytest.fixture
def water_a(tenant_a, settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path  # receipts are private files
    with schema_context(tenant_a.schema_name):
        officer = staff_user(tenant_a, "water_officer")
        water_sample(officer)
        run = water_runs.water_run_prepare(actor=officer, period=water_period_make(2026, 10))
        yield water_runs.water_run_approve(actor=staff_user(tenant_a, "revenue_chief"), run=run)


def test_water_issue_and_water_payments_take_the_water_lock(water_a, tenant_a, monkeypatch):
    schema, run = tenant_a.schema_name, water_a
    ward_id = Ward.objects.get(number=1).pk
    with held_elsewhere(service="water", schema=schema, ward_id=ward_id, shared=True):
        waits_briefly()
        with pytest.raises(OperationalError):
            water_runs.water_run_issue(run_id=run.pk)
    monkeypatch.setattr(water_runs, "ward_lock", lambda **kwargs: None)  # set-up, as above
    water_runs.water_run_issue(run_id=run.pk)
    monkeypatch.undo()
    bill = WaterBill.objects.filter(run=run, connection__holding__ward_id=ward_id).first()
    collector = staff_user(tenant_a, "revenue_collector")
    with (
        held_elsewhere(service="water", schema=schema, ward_id=ward_id, shared=False),
        pytest.raises(OperationalError),
    ):
        payments.counter_payment_record(actor=collector, bill=bill, amount=Decimal("10"))
    with held_elsewhere(service="billing", schema=schema, ward_id=ward_id, shared=False):
        payment = payments.counter_payment_record(actor=collector, bill=bill, amount=Decimal("10"))
    assert payment.water_bill_id == bill.pk

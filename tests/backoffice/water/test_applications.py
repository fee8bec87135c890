"""New-connection applications: the transition table, and the services
(fee by category and size, role, audit, connecting makes the connection and
its meter) in both tenants."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from backoffice.payments import services as payments
from backoffice.water import applications as apps
from backoffice.water.models import Connection
from backoffice.water.models import ConnectionApplication as App
from tenants.audit.models import AuditEvent
from tests.backoffice.registry.factories import building_make, holding_make
from tests.backoffice.water.factories import water_sample
from tests.conftest import staff_user

S = App.State


def test_transition_table():
    assert apps.next_state("approve", S.SUBMITTED) == S.APPROVED
    assert apps.next_state("reject", S.APPROVED) == S.REJECTED
    assert apps.next_state("fee_paid", S.SUBMITTED) is None
    assert apps.next_state("connect", S.APPROVED) is None
    assert apps.next_state("connect", S.FEE_PAID) == S.CONNECTED
    assert apps.actions_for(S.SUBMITTED) == ["approve", "reject"]
    # the fee moves an application through payments, not an office button
    assert apps.next_state("fee_paid", S.APPROVED) == S.FEE_PAID
    assert apps.next_state("fee_reopen", S.FEE_PAID) == S.APPROVED
    assert apps.actions_for(S.APPROVED) == ["reject"]
    assert apps.actions_for(S.FEE_PAID) == ["connect"]
    assert apps.actions_for(S.CONNECTED) == [] and apps.actions_for(S.REJECTED) == []


@pytest.fixture(params=["tenant_a", "tenant_b"])
def office(request):
    tenant = request.getfixturevalue(request.param)
    with schema_context(tenant.schema_name):
        officer = staff_user(tenant, "water_officer")
        sample = water_sample(officer, wards=1, per_ward=1)
        building = building_make(officer, ward=1, index=50)
        holding = holding_make(officer, code="01-003-0042-00", buildings=[building])
        sample.update(officer=officer, tenant=tenant, holding=holding, building=building)
        yield sample


def submit(office, **kw):
    return apps.application_submit(
        actor=office["officer"],
        applicant_name="Karim Uddin",
        applicant_phone="০১৭১২৩৪৫৬৭৮",
        holding=office["holding"],
        building=office["building"],
        category=office["tariffs"]["commercial"],
        size_mm=kw.pop("size_mm", 20),
        **kw,
    )


def test_an_application_from_intake_to_connection(office):
    app = submit(office)
    assert app.reference.startswith("WA-") and app.state == S.SUBMITTED
    assert app.fee == Decimal("5000.00") and app.applicant_phone == "+8801712345678"
    app = apps.application_approve(actor=office["officer"], application=app)
    with pytest.raises(ValidationError, match="cannot be connected"):
        apps.application_connect(actor=office["officer"], application=app, meter_serial="X1")
    # The fee is paid through payments (at the counter here), never typed in.
    collector = staff_user(office["tenant"], "revenue_collector")
    receipt = payments.counter_payment_record(actor=collector, bill=app, amount=app.fee)
    app = apps.application_connect(
        actor=office["officer"],
        application=app,
        meter_serial="KH-9001",
        connected_on=datetime.date(2026, 11, 3),
    )
    assert app.state == S.CONNECTED and app.fee_receipt == receipt.receipt_number
    conn = Connection.objects.get(pk=app.connection_id)
    assert conn.holding == office["holding"] and conn.building == office["building"]
    assert conn.size_mm == 20 and conn.category.code == "commercial" and conn.metered
    assert conn.meters.get().serial == "KH-9001"
    assert conn.location.intersects(office["building"].footprint)
    actions = list(
        AuditEvent.objects.filter(action__startswith="water.application_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "water.application_submitted",
        "water.application_approve",
        "water.application_fee_paid",
        "water.application_connect",
    ]


def test_rejection_needs_a_reason_and_ends_the_application(office):
    app = submit(office)
    with pytest.raises(ValidationError):
        apps.application_reject(actor=office["officer"], application=app, reason="")
    app = apps.application_reject(actor=office["officer"], application=app, reason="no main")
    assert app.state == S.REJECTED and app.note == "no main" and app.decided_at
    with pytest.raises(ValidationError):
        apps.application_approve(actor=office["officer"], application=app)


def test_no_fee_for_the_size_is_refused_with_the_reason(office):
    with pytest.raises(ValidationError, match="No connection fee"):
        submit(office, size_mm=100)


def test_only_the_water_office_handles_applications(office):
    for role in ("viewer", "revenue_chief", "fsm_manager"):
        with pytest.raises(PermissionDenied):
            apps.application_submit(
                actor=staff_user(office["tenant"], role),
                applicant_name="X",
                holding=office["holding"],
                category=office["tariffs"]["domestic"],
                size_mm=15,
            )
    app = submit(office)
    with pytest.raises(PermissionDenied):
        apps.application_approve(actor=staff_user(office["tenant"], "viewer"), application=app)
    admin = staff_user(office["tenant"], "municipal_admin")
    assert apps.application_approve(actor=admin, application=app).state == S.APPROVED

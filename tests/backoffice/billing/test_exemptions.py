"""Exemptions: who grants and ends them, which periods they cover, what the
run's review and the issued bills show, and that they stay in their
municipality."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from backoffice.billing import services
from backoffice.billing.exemptions import (
    EXEMPTION_ROLES,
    exemption_end,
    exemption_grant,
    exemptions_active,
)
from backoffice.billing.models import Bill, Exemption, TaxRate
from backoffice.registry.models import Holding
from tenants.audit.models import AuditEvent
from tenants.roles import ROLES
from tests.backoffice.billing.test_services import approved_run, billing_sample
from tests.conftest import staff_user

D = datetime.date
CODE = "01-001-0003-00"  # residential, 24000 a year: 1020.00 a quarter
NEW_YEAR = D(2026, 1, 1)


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        billing_sample(staff_user(tenant_a, "gis_officer"))
        yield tenant_a


def grant(tenant, code=CODE, starts_on=NEW_YEAR, ends_on=None, role="revenue_chief"):
    return exemption_grant(
        actor=staff_user(tenant, role),
        holding=Holding.objects.get(code=code),
        reason=Exemption.Reason.FREEDOM_FIGHTER,
        starts_on=starts_on,
        ends_on=ends_on,
        note="Gazette 12/2025",
    )


@pytest.mark.parametrize("role", [r.slug for r in ROLES if r.slug not in EXEMPTION_ROLES])
def test_other_roles_neither_grant_nor_end(in_a, role):
    with pytest.raises(PermissionDenied):
        grant(in_a, role=role)
    exemption = grant(in_a)
    with pytest.raises(PermissionDenied):
        exemption_end(actor=staff_user(in_a, role), exemption=exemption, ends_on=D(2026, 6, 30))
    assert Exemption.objects.get().ended_at is None


@pytest.mark.parametrize("role", EXEMPTION_ROLES)
def test_grant_and_end_are_audited(in_a, role):
    exemption = grant(in_a, role=role)
    assert exemption.granted_by.username == role and exemption.ends_on is None
    ended = exemption_end(actor=staff_user(in_a, role), exemption=exemption, ends_on=D(2026, 6, 30))
    assert (ended.ends_on, ended.ended_by.username) == (D(2026, 6, 30), role)
    assert ended.ended_at is not None
    events = AuditEvent.objects.filter(object_type="billing.exemption", object_id=str(ended.pk))
    assert sorted(events.values_list("action", "actor_username")) == [
        ("billing.exemption_ended", role),
        ("billing.exemption_granted", role),
    ]
    with pytest.raises(ValidationError):  # ended once
        exemption_end(actor=staff_user(in_a, role), exemption=ended, ends_on=D(2026, 5, 1))


def test_grant_and_end_refuse_bad_dates_and_overlaps(in_a):
    first = grant(in_a, starts_on=D(2026, 1, 1), ends_on=D(2026, 3, 31))
    with pytest.raises(ValidationError):  # ends before it starts
        grant(in_a, starts_on=D(2026, 6, 1), ends_on=D(2026, 5, 1))
    with pytest.raises(ValidationError):  # overlaps the first by a day
        grant(in_a, starts_on=D(2026, 3, 31))
    with pytest.raises(ValidationError):  # open-ended from before the first
        grant(in_a, starts_on=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        exemption_end(actor=first.granted_by, exemption=first, ends_on=D(2025, 12, 31))
    with pytest.raises(ValidationError):  # only earlier than granted
        exemption_end(actor=first.granted_by, exemption=first, ends_on=D(2026, 4, 30))
    second = grant(in_a, starts_on=D(2026, 4, 1))  # the day after: fine
    assert Exemption.objects.count() == 2 and second.ends_on is None
    with pytest.raises(ValidationError):
        exemption_grant(
            actor=first.granted_by,
            holding=first.holding,
            reason="no_such_reason",
            starts_on=D(2030, 1, 1),
        )


def test_active_on_a_day(in_a):
    closed = grant(in_a, starts_on=D(2026, 1, 1), ends_on=D(2026, 3, 31))
    open_ended = grant(in_a, code="01-001-0002-00", starts_on=D(2026, 3, 15))
    assert list(exemptions_active(on=D(2025, 12, 31))) == []
    assert list(exemptions_active(on=D(2026, 3, 20))) == [open_ended, closed]  # by code
    assert list(exemptions_active(on=D(2026, 4, 1))) == [open_ended]
    assert list(exemptions_active(on=D(2040, 1, 1))) == [open_ended]


# Quarter 4 of 2026 runs 2026-10-01 .. 2026-12-28 (period_make).
@pytest.mark.parametrize(
    ("starts_on", "ends_on", "covered"),
    [
        (D(2026, 12, 28), None, True),  # starts on the period's last day
        (D(2026, 1, 1), D(2026, 10, 1), True),  # ends on its first day
        (D(2026, 11, 1), D(2026, 11, 2), True),  # a few days inside
        (D(2026, 1, 1), D(2026, 9, 30), False),  # ended the day before
        (D(2026, 12, 29), None, False),  # starts after it
    ],
)
def test_run_review_and_bills_follow_overlap(in_a, starts_on, ends_on, covered):
    grant(in_a, starts_on=starts_on, ends_on=ends_on)
    run = approved_run(in_a)
    problems = {(e["holding"], e["problem"]) for e in run.exceptions}
    assert ((CODE, "exempt") in problems) is covered
    assert run.totals_by_ward["1"]["count"] == 4  # counted either way
    assert run.total == (Decimal("0.44") if covered else Decimal("1020.44"))
    services.bill_run_issue(run_id=run.pk)
    bill = Bill.objects.get(run=run, holding__code=CODE)
    assert bill.total == (Decimal("0.00") if covered else Decimal("1020.00"))
    if covered:
        assert [line["amount"] for line in bill.lines] == ["0.00"] * 4
        assert bill.rebate == Decimal("0.00")


def test_an_exemption_keeps_the_arrears(in_a):
    services.bill_run_issue(run_id=approved_run(in_a, quarter=3).pk)
    grant(in_a, starts_on=D(2026, 10, 1))
    bill = Bill.objects.get(
        run=services.bill_run_issue(run_id=approved_run(in_a).pk), holding__code=CODE
    )
    # Unpaid 1020.00 from quarter 3 stays owed, with its 5 % surcharge.
    assert (bill.arrears, bill.surcharge, bill.total) == (
        Decimal("1020.00"),
        Decimal("51.00"),
        Decimal("1071.00"),
    )
    assert [line["amount"] for line in bill.lines] == ["0.00"] * 4


def test_a_correction_honours_the_exemption(in_a):
    run = approved_run(in_a)
    services.bill_run_issue(run_id=run.pk)
    grant(in_a, starts_on=D(2026, 12, 1))
    bill = Bill.objects.get(run=run, holding__code=CODE)
    correction = services.bill_correct(
        actor=staff_user(in_a, "revenue_chief"), bill=bill, reason="exempted"
    )
    assert correction.total == Decimal("0.00")


def test_exemptions_stay_in_their_municipality(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            billing_sample(staff_user(tenant, "gis_officer"))
    with schema_context(tenant_a.schema_name):
        grant(tenant_a, starts_on=D(2026, 1, 1))
        run_a = services.bill_run_issue(run_id=approved_run(tenant_a).pk)
        assert Bill.objects.get(run=run_a, holding__code=CODE).total == Decimal("0.00")
    with schema_context(tenant_b.schema_name):
        assert not Exemption.objects.exists()
        assert list(exemptions_active(on=D(2026, 11, 1))) == []
        run_b = approved_run(tenant_b)
        assert "exempt" not in {e["problem"] for e in run_b.exceptions}
        services.bill_run_issue(run_id=run_b.pk)
        assert Bill.objects.get(run=run_b, holding__code=CODE).total == Decimal("1020.00")
        assert TaxRate.objects.count() == 2

"""Bill runs: prepare (review figures), approve (revenue chief only), issue
(a set-based INSERT ... SELECT per ward, idempotent), and the only changes
an issued bill allows (cancellation by a new document)."""

import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.billing.calculation import Rates, quarterly_charges
from backoffice.billing.exemptions import exemption_covers
from backoffice.billing.models import Bill, BillingPeriod, BillRun, TaxRate
from backoffice.billing.run_selectors import earlier_run_ids
from backoffice.registry.choices import HoldingStatus
from backoffice.registry.locks import ward_lock
from backoffice.registry.models import Holding
from tenants.audit.services import audit_event_record
from tenants.bulk_sql import PlannerStatistics, fetch_without_jit
from tenants.permissions import user_has_role

APPROVER_ROLES = ("revenue_chief",)


def rates_of(rate: TaxRate) -> Rates:
    return Rates(
        holding_tax=rate.holding_tax_pct,
        conservancy=rate.conservancy_pct,
        lighting=rate.lighting_pct,
        water=rate.water_pct,
        rebate=rate.rebate_pct,
        surcharge=rate.surcharge_pct,
        exempt=rate.exempt,
    )


# The review figures in two set-based statements (the issue SQL's per-line
# rounding, so a ward's total is the sum of its bills' current charges):
# current charges by ward of the active holdings that have a rate (exempt
# ones count at zero), and the holdings a reviewer must look at, in code order.
_PREPARE_SRC = """
    FROM registry_holding h
    JOIN registry_ward w ON w.id = h.ward_id
    LEFT JOIN billing_taxrate r ON r.holding_type = h.holding_type
    CROSS JOIN LATERAL (
        SELECT EXISTS (
            SELECT 1 FROM billing_exemption e
            WHERE e.holding_id = h.id AND e.starts_on <= %(ends_on)s
              AND (e.ends_on IS NULL OR e.ends_on >= %(starts_on)s)
        ) AS exempted
    ) x
    WHERE h.status = %(active)s
"""
PREPARE_WARDS_SQL = (
    """
SELECT w.number, count(*), COALESCE(sum(CASE WHEN r.exempt OR x.exempted THEN 0 ELSE
           round(h.annual_value * r.holding_tax_pct / 400, 2)
           + round(h.annual_value * r.conservancy_pct / 400, 2)
           + round(h.annual_value * r.lighting_pct / 400, 2)
           + round(h.annual_value * r.water_pct / 400, 2) END), 0)::numeric(16, 2)
"""
    + _PREPARE_SRC
    + " AND r.id IS NOT NULL GROUP BY w.number ORDER BY w.number"
)
PREPARE_EXCEPTIONS_SQL = (
    """
SELECT h.code, CASE WHEN r.id IS NULL THEN 'no_rate' WHEN x.exempted THEN 'exempt'
                    ELSE 'zero_annual_value' END
"""
    + _PREPARE_SRC
    + " AND (r.id IS NULL OR x.exempted OR h.annual_value = 0) ORDER BY h.code"
)


@transaction.atomic
def bill_run_prepare(*, actor, period: BillingPeriod) -> BillRun:
    """Compute the review figures of ``period``'s run: current charges (without
    arrears) by ward, and the exceptions a reviewer must look at (holdings
    exempted in the period are counted at zero and listed as "exempt")."""
    if BillRun.objects.filter(period=period).exists():
        raise ValidationError(_("This period already has a bill run."))
    params = {
        "active": HoldingStatus.ACTIVE,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
    }
    by_ward: dict[str, dict] = {}
    total, count = Decimal("0.00"), 0
    with connection.cursor() as cursor:
        cursor.execute(PREPARE_WARDS_SQL, params)
        for ward, n, current in cursor.fetchall():
            by_ward[str(ward)] = {"count": n, "total": current}
            total += current
            count += n
        cursor.execute(PREPARE_EXCEPTIONS_SQL, params)
        exceptions = [{"holding": code, "problem": problem} for code, problem in cursor.fetchall()]
    run = BillRun(
        period=period,
        totals_by_ward={
            k: {"count": v["count"], "total": str(v["total"])} for k, v in by_ward.items()
        },
        total=total,
        holding_count=count,
        exceptions=exceptions,
        prepared_by=actor,
        prepared_at=timezone.now(),
    )
    run.full_clean()
    run.save()
    audit_event_record(
        actor=actor, action="billing.run_prepared", obj=run, data={"period": str(period)}
    )
    return run


@transaction.atomic
def bill_run_approve(*, actor, run: BillRun) -> BillRun:
    if not user_has_role(actor, APPROVER_ROLES):
        raise PermissionDenied(_("Only the revenue chief approves a bill run."))
    run = BillRun.objects.select_for_update().get(pk=run.pk)
    if run.state != BillRun.State.PREPARED:
        raise ValidationError(_("Only a prepared bill run can be approved."))
    run.state, run.approved_by, run.approved_at = BillRun.State.APPROVED, actor, timezone.now()
    run.save(update_fields=["state", "approved_by", "approved_at"])
    audit_event_record(actor=actor, action="billing.run_approved", obj=run)
    return run


# One statement writes every missing bill of the run.  Numbers continue from
# the period's last_number (its row is locked by the caller), in holding code
# order, so they are consecutive without gaps; holdings that already have a
# bill in this run are skipped, and the unique (run, holding) constraint is the
# last guard (ON CONFLICT DO NOTHING).  The arithmetic is calculation.py's,
# rounding included (round(numeric, 2) is half-up on non-negative values).
# Arrears: what is still owed on the holding's latest issued bill of an
# earlier period ("prev"; the runs of earlier periods come as an array,
# latest first, so the lookup is one index scan on (holding, run) per
# holding), which itself carried what was owed before it: prev's total less
# what counts as paid towards it, never negative, and nothing if it counts as
# paid under payments' rule (payments.selectors.bill_is_paid: paid in full,
# or the total less the rebate paid by the due date, midnight on the
# municipality's clock).  What counts as paid towards prev (the rule
# payments.selectors.bill_credits states, worded the same for water bills):
# the valid payments on prev itself, plus the valid payments on the
# holding's other documents of prev's period or earlier (and on cancelled
# ones) received at or after prev's figures were fixed (the issue of the
# holding's first document in prev's period: a correction keeps the arrears
# of the bill it replaces).  Those prev could not know of: an online payment
# started on an older bill while it was the latest and confirmed after the
# newer one was issued is credited to the older bill, while the newer one's
# arrears still include it.  payments_payment is the payments app's table: it
# depends on billing, so billing reads the table by name here instead of
# importing its models (layering); test_arrears.py checks this SQL against
# bill_is_paid / bill_credits with real counter payments.  A holding
# with an exemption (billing_exemption) overlapping the period gets zero
# current charges, like an exempt holding type; its arrears and their
# surcharge stay.
ISSUE_SQL = """
WITH src AS (
    SELECT h.id AS holding_id, h.annual_value, r.*,
           r.exempt OR EXISTS (
               SELECT 1 FROM billing_exemption e
               WHERE e.holding_id = h.id AND e.starts_on <= %(ends_on)s
                 AND (e.ends_on IS NULL OR e.ends_on >= %(starts_on)s)
           ) AS free,
           CASE WHEN prev.id IS NULL OR prev.total <= paid.amount
                     OR (prev.rebate > 0 AND paid.by_due_date >= prev.total - prev.rebate)
                THEN 0 ELSE prev.total - paid.amount END AS arrears,
           row_number() OVER (ORDER BY h.code) AS rn
    FROM registry_holding h
    JOIN billing_taxrate r ON r.holding_type = h.holding_type
    LEFT JOIN LATERAL (
        SELECT b.id, b.total, b.rebate, b.due_on,
               array_position(%(earlier)s::bigint[], b.run_id::bigint) AS pos,
               CASE WHEN b.kind = 'bill' THEN b.issued_at ELSE (
                   SELECT min(f.issued_at) FROM billing_bill f
                   WHERE f.holding_id = h.id AND f.run_id = b.run_id
               ) END AS known_at
        FROM billing_bill b
        WHERE b.holding_id = h.id AND b.run_id = ANY(%(earlier)s::bigint[])
          AND b.status = 'issued' AND b.kind <> 'cancellation'
        ORDER BY array_position(%(earlier)s::bigint[], b.run_id::bigint), b.id DESC
        LIMIT 1
    ) prev ON true
    LEFT JOIN LATERAL (
        SELECT COALESCE(sum(pay.amount), 0) AS amount,
               COALESCE(sum(pay.amount) FILTER (
                   WHERE pay.received_at < ((prev.due_on + 1)::timestamp AT TIME ZONE %(tz)s)
               ), 0) AS by_due_date
        FROM billing_bill o
        JOIN payments_payment pay ON pay.bill_id = o.id
        WHERE prev.id IS NOT NULL AND o.holding_id = h.id
          AND o.run_id = ANY(%(earlier)s::bigint[]) AND pay.status = 'valid'
          AND (o.id = prev.id OR (
              pay.received_at >= prev.known_at
              AND (array_position(%(earlier)s::bigint[], o.run_id::bigint) >= prev.pos
                   OR o.status = 'cancelled')
          ))
    ) paid ON true
    WHERE h.status = %(active)s AND h.ward_id = %(ward)s
      AND NOT EXISTS (
          SELECT 1 FROM billing_bill x
          WHERE x.run_id = %(run)s AND x.holding_id = h.id AND x.kind = 'bill'
      )
), c AS (
    SELECT holding_id, annual_value, arrears, rn, rebate_pct, surcharge_pct,
           round(CASE WHEN free THEN 0 ELSE annual_value * holding_tax_pct / 400 END, 2) AS ht,
           round(CASE WHEN free THEN 0 ELSE annual_value * conservancy_pct / 400 END, 2) AS co,
           round(CASE WHEN free THEN 0 ELSE annual_value * lighting_pct / 400 END, 2) AS li,
           round(CASE WHEN free THEN 0 ELSE annual_value * water_pct / 400 END, 2) AS wa
    FROM src
), ins AS (
    INSERT INTO billing_bill (
        run_id, holding_id, number, kind, annual_value, lines, arrears, surcharge,
        rebate, total, due_on, status, issued_at
    )
    SELECT %(run)s, holding_id,
           %(prefix)s || lpad((%(offset)s + rn)::text,
                                GREATEST(length((%(offset)s + rn)::text), 6), '0'),
           'bill', annual_value,
           jsonb_build_array(
               jsonb_build_object('code', 'holding_tax', 'amount', ht::text),
               jsonb_build_object('code', 'conservancy', 'amount', co::text),
               jsonb_build_object('code', 'lighting', 'amount', li::text),
               jsonb_build_object('code', 'water', 'amount', wa::text)
           ),
           arrears, round(arrears * surcharge_pct / 100, 2),
           LEAST(round((ht + co + li + wa) * rebate_pct / 100, 2), ht + co + li + wa),
           ht + co + li + wa + arrears + round(arrears * surcharge_pct / 100, 2),
           %(due_on)s, 'issued', %(now)s
    FROM c
    ORDER BY rn
    ON CONFLICT (run_id, holding_id) WHERE kind = 'bill' DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM ins
"""


def bill_run_issue(*, run_id: int) -> BillRun:
    """Issue every missing bill of an approved run, one ward per transaction
    (each commits its bills, the period's last number and the run's count
    together, so the run's progress is visible while it runs).  Safe to
    call again, also after a worker was killed in the middle: a ward's
    transaction either committed all its bills or none, existing bills are
    kept (unique per run and holding), none is doubled, and numbering goes
    on from the period's last number without a gap.  Two workers on the
    same run take turns on the run's row lock."""
    run = BillRun.objects.get(pk=run_id)
    if run.state == BillRun.State.PREPARED:
        raise ValidationError(_("A bill run must be approved before it is issued."))
    ward_ids = list(
        Holding.objects.filter(status=HoldingStatus.ACTIVE)
        .order_by("ward__number")
        .values_list("ward_id", flat=True)
        .distinct()
    )
    hold = getattr(settings, "IMIS_BILLING_ISSUE_HOLD_SECONDS", 0)
    inserted_total = 0
    # The issue SQL finds a holding's earlier bills, and whether it is billed
    # in this run already, through billing_bill's indexes (tenants.bulk_sql).
    # A rerun starts from the statistics of a run that has bills already.
    statistics = PlannerStatistics("billing_bill", analyse_now=bool(run.bill_count))
    for index, ward_id in enumerate(ward_ids):
        statistics.before_batch()
        with transaction.atomic():
            run, period, inserted = _issue_ward(run_id, ward_id)
            inserted_total += inserted
            statistics.wrote(inserted)
            if hold and index == 1:  # tests only: a worker is killed in here
                time.sleep(hold)
    with transaction.atomic():
        run = BillRun.objects.select_for_update().select_related("period").get(pk=run_id)
        first_issue = run.state != BillRun.State.ISSUED
        run.state = BillRun.State.ISSUED
        run.bill_count = Bill.objects.filter(run=run, kind=Bill.Kind.BILL).count()
        run.issued_at = run.issued_at or timezone.now()
        run.save(update_fields=["state", "bill_count", "issued_at"])
        if first_issue or inserted_total:
            audit_event_record(
                actor=None,
                action="billing.run_issued",
                obj=run,
                data={"inserted": inserted_total, "bills": run.bill_count},
            )
    return run


def _issue_ward(run_id: int, ward_id: int) -> tuple[BillRun, BillingPeriod, int]:
    """One ward's missing bills, numbered after the period's last number."""
    # The ward's lock first (payments in flight in the ward commit before the
    # statement reads them; see registry.locks), then the run's, then the
    # period's: every issuer takes them in this order.
    ward_lock(service="billing", ward_id=ward_id)
    run = BillRun.objects.select_for_update().select_related("period").get(pk=run_id)
    period = BillingPeriod.objects.select_for_update().get(pk=run.period_id)
    earlier = earlier_run_ids(period)
    with connection.cursor() as cursor:
        # Without JIT for this statement (as water's runs): at Khulna scale a
        # ward's cost estimate (per-holding lookups of earlier bills and their
        # payments) passes the JIT thresholds, and compiling its expressions
        # costs more than the statement saves (tenants.bulk_sql).
        ((inserted,),) = fetch_without_jit(
            cursor,
            ISSUE_SQL,
            {
                "earlier": earlier,
                "active": HoldingStatus.ACTIVE,
                "ward": ward_id,
                "run": run.pk,
                "prefix": f"{period.year}-Q{period.quarter}-",
                "offset": period.last_number,
                "due_on": period.due_on,
                "starts_on": period.starts_on,
                "ends_on": period.ends_on,
                "now": timezone.now(),
                "tz": timezone.get_current_timezone_name(),
            },
        )
    if inserted:
        period.last_number += inserted
        period.save(update_fields=["last_number"])
    if run.state == BillRun.State.APPROVED:
        run.state = BillRun.State.ISSUING
    # The run's count commits with the ward's bills under the run's lock, so
    # adding what was inserted keeps it exact (no count over the whole run).
    run.bill_count += inserted
    run.save(update_fields=["state", "bill_count"])
    return run, period, inserted


def bill_run_progress(run: BillRun) -> int:
    """Per cent of the run's holdings billed (while issuing; 100 when issued)."""
    if run.state == BillRun.State.ISSUED:
        return 100
    if not run.holding_count:
        return 0
    return min(99, run.bill_count * 100 // run.holding_count)


def bill_run_issue_queue(*, actor, run: BillRun) -> None:
    """Send an approved run to the worker once the caller's transaction commits."""
    from backoffice.billing.tasks import bill_run_issue_task

    if run.state == BillRun.State.PREPARED:
        raise ValidationError(_("A bill run must be approved before it is issued."))
    audit_event_record(actor=actor, action="billing.run_issue_queued", obj=run)
    transaction.on_commit(lambda: bill_run_issue_task.delay(run.pk))


def bill_update(*, actor, bill: Bill, **fields) -> Bill:
    """Issued bills are never edited: a correction is a new document."""
    raise ValidationError(_("An issued bill cannot be changed; issue a correction instead."))


def _next_number(period_id: int) -> str:
    """The period's next number, under the same row lock the issue takes."""
    period = BillingPeriod.objects.select_for_update().get(pk=period_id)
    period.last_number += 1
    period.save(update_fields=["last_number"])
    return f"{period.year}-Q{period.quarter}-{period.last_number:06d}"


def valid_receipts_refuse(*, column: str, document_id: int, doing: str) -> None:
    """A bill (``column`` "bill_id") or water bill ("water_bill_id") with
    valid receipts is not cancelled or corrected: the receipts would stay on
    the cancelled bill and the new document would ask for the money again.
    Its receipts are cancelled first (revenue chief), then the bill, and the
    money is received again against the new document.  payments_payment is
    the payments app's table, read by name (payments depends on billing and
    water; see ISSUE_SQL)."""
    if column not in ("bill_id", "water_bill_id"):
        raise ValueError(column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM payments_payment WHERE {column} = %s AND status = 'valid'",  # noqa: S608 - a column of ours
            [document_id],
        )
        (receipts,) = cursor.fetchone()
    if receipts:
        raise ValidationError(
            _(
                "This bill has %(count)s valid receipt(s); cancel them before the bill is "
                "%(doing)s, then take the payment against the new document."
            )
            % {"count": receipts, "doing": doing}
        )


@transaction.atomic
def bill_cancel(*, actor, bill: Bill, reason: str) -> Bill:
    """Cancel an issued bill with a new cancellation document (numbered in the
    same period sequence) that reverses it; the old bill's status is the only
    field that changes."""
    if not user_has_role(actor, APPROVER_ROLES):
        raise PermissionDenied(_("Only the revenue chief cancels a bill."))
    bill = Bill.objects.select_for_update().select_related("run__period").get(pk=bill.pk)
    if bill.status != Bill.Status.ISSUED or bill.kind == Bill.Kind.CANCELLATION:
        raise ValidationError(_("Only an issued bill can be cancelled."))
    valid_receipts_refuse(column="bill_id", document_id=bill.pk, doing=_("cancelled"))
    number = _next_number(bill.run.period_id)
    Bill.objects.filter(pk=bill.pk).update(status=Bill.Status.CANCELLED)
    negate = [{"code": x["code"], "amount": str(-Decimal(x["amount"]))} for x in bill.lines]
    cancellation = Bill.objects.create(
        run=bill.run,
        holding=bill.holding,
        number=number,
        kind=Bill.Kind.CANCELLATION,
        replaces=bill,
        annual_value=bill.annual_value,
        lines=negate,
        arrears=-bill.arrears,
        surcharge=-bill.surcharge,
        rebate=-bill.rebate,
        total=-bill.total,
        due_on=bill.due_on,
        issued_at=timezone.now(),
    )
    audit_event_record(
        actor=actor,
        action="billing.bill_cancelled",
        obj=bill,
        data={"cancellation": cancellation.number, "reason": reason},
    )
    return cancellation


@transaction.atomic
def bill_correct(*, actor, bill: Bill, reason: str, annual_value: Decimal | None = None) -> Bill:
    """Replace an issued bill with a correction computed from ``annual_value``
    (by default the holding's current one) and today's rates, keeping the
    arrears it carried; the old bill is marked cancelled, never edited."""
    if not user_has_role(actor, APPROVER_ROLES):
        raise PermissionDenied(_("Only the revenue chief corrects a bill."))
    bill = Bill.objects.select_for_update().select_related("run__period", "holding").get(pk=bill.pk)
    if bill.status != Bill.Status.ISSUED or bill.kind == Bill.Kind.CANCELLATION:
        raise ValidationError(_("Only an issued bill can be corrected."))
    valid_receipts_refuse(column="bill_id", document_id=bill.pk, doing=_("corrected"))
    rate = TaxRate.objects.filter(holding_type=bill.holding.holding_type).first()
    if rate is None:
        raise ValidationError(_("This holding type has no tax rate."))
    value = bill.holding.annual_value if annual_value is None else Decimal(annual_value)
    period = bill.run.period
    exempt = exemption_covers(bill.holding_id, starts_on=period.starts_on, ends_on=period.ends_on)
    charges = quarterly_charges(
        annual_value=value, rates=rates_of(rate), arrears=bill.arrears, exempt=exempt
    )
    number = _next_number(bill.run.period_id)
    Bill.objects.filter(pk=bill.pk).update(status=Bill.Status.CANCELLED)
    correction = Bill(
        run=bill.run,
        holding=bill.holding,
        number=number,
        kind=Bill.Kind.CORRECTION,
        replaces=bill,
        annual_value=value,
        lines=charges.lines_json(),
        arrears=charges.arrears,
        surcharge=charges.surcharge,
        rebate=charges.rebate,
        total=charges.total,
        due_on=bill.due_on,
        issued_at=timezone.now(),
    )
    correction.full_clean(validate_constraints=False)
    correction.save()
    audit_event_record(
        actor=actor,
        action="billing.bill_corrected",
        obj=bill,
        data={"correction": correction.number, "reason": reason, "annual_value": str(value)},
    )
    return correction

"""Monthly water bill runs, with holding tax's guarantees (see
backoffice/billing/services.py): prepare (review figures and exceptions;
again while still prepared), approve (revenue chief only), issue (a
set-based INSERT ... SELECT per ward in a worker, idempotent), cancel an
issued bill with a new document."""

import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.billing.services import valid_receipts_refuse
from backoffice.registry.locks import ward_lock
from backoffice.water.models import (
    Connection,
    Meter,
    Reading,
    TariffCategory,
    WaterBill,
    WaterBillingPeriod,
    WaterBillRun,
)
from backoffice.water.services import OFFICE, tariff_of
from backoffice.water.tariffs import M3, money
from tenants.audit.services import audit_event_record
from tenants.bulk_sql import PlannerStatistics, fetch_without_jit
from tenants.permissions import user_has_role

APPROVER_ROLES = ("revenue_chief",)
PREPARER_ROLES = (*OFFICE, "revenue_chief")


def billable_connections(period: WaterBillingPeriod):
    return Connection.objects.filter(
        status=Connection.Status.ACTIVE, connected_on__lte=period.ends_on
    )


def period_consumption(period: WaterBillingPeriod) -> dict[int, Decimal]:
    """Accepted use per connection in ``period`` (the sum over its meters)."""
    rows = (
        Reading.objects.filter(period=period, status=Reading.Status.ACCEPTED)
        .values("meter__connection_id")
        .annotate(m3=Sum("consumption"))
    )
    return {r["meter__connection_id"]: r["m3"] for r in rows}


def _readings_changed_since(period: WaterBillingPeriod, when) -> bool:
    return (
        Reading.objects.filter(period=period)
        .filter(Q(created_at__gt=when) | Q(reviewed_at__gt=when))
        .exists()
    )


@transaction.atomic
def water_run_prepare(*, actor, period: WaterBillingPeriod) -> WaterBillRun:
    """Compute (or, while the run is still prepared, recompute) the review
    figures of ``period``'s run: current charges by ward (arrears left out)
    and the exceptions a reviewer must look at."""
    if actor is not None and not user_has_role(actor, PREPARER_ROLES):
        raise PermissionDenied(_("Only the water supply office prepares a water bill run."))
    WaterBillingPeriod.objects.select_for_update().get(pk=period.pk)
    run = WaterBillRun.objects.filter(period=period).first()
    if run is not None and run.state != WaterBillRun.State.PREPARED:
        raise ValidationError(_("This period's water bill run is already approved."))
    tariffs = {c.pk: tariff_of(c) for c in TariffCategory.objects.prefetch_related("slabs")}
    read = set(
        Reading.objects.filter(period=period)
        .exclude(status=Reading.Status.REJECTED)
        .values_list("meter__connection_id", flat=True)
    )
    flagged = set(
        Reading.objects.filter(period=period, status=Reading.Status.FLAGGED).values_list(
            "meter__connection_id", flat=True
        )
    )
    with_meter = set(Meter.objects.filter(active=True).values_list("connection_id", flat=True))
    exceptions: list[dict] = []
    rows = (
        billable_connections(period)
        .values_list("pk", "number", "metered", "category_id")
        .order_by("number")
    )
    for pk, number, metered, category_id in rows.iterator():
        if metered:
            if pk not in with_meter:
                exceptions.append({"connection": number, "problem": "no_meter"})
            elif pk in flagged:
                exceptions.append({"connection": number, "problem": "flagged_reading"})
            elif pk not in read:
                exceptions.append({"connection": number, "problem": "missing_reading"})
            if not tariffs[category_id].slabs:
                exceptions.append({"connection": number, "problem": "no_slabs"})
    # The figures by ward in one statement (the issue's arithmetic, which is
    # tariffs.monthly_charges'), instead of a calculation per connection here.
    with connection.cursor() as cursor:
        wards = fetch_without_jit(
            cursor, PREPARE_SQL, {"period": period.pk, "ends_on": period.ends_on}
        )
    by_ward = {
        str(ward): {"count": n, "total": money(amount), "m3": Decimal(m3).quantize(M3)}
        for ward, n, amount, m3 in wards
    }
    total = sum((v["total"] for v in by_ward.values()), Decimal("0.00"))
    m3 = sum((v["m3"] for v in by_ward.values()), Decimal("0.000"))
    count = sum(v["count"] for v in by_ward.values())
    fields = {
        "totals_by_ward": {
            k: {"count": v["count"], "total": str(v["total"]), "m3": str(v["m3"])}
            for k, v in sorted(by_ward.items(), key=lambda kv: int(kv[0]))
        },
        "total": total,
        "consumption": m3,
        "connection_count": count,
        "exceptions": exceptions,
        "prepared_by": actor,
        "prepared_at": timezone.now(),
    }
    if run is None:
        run = WaterBillRun(period=period, **fields)
    else:
        for name, value in fields.items():
            setattr(run, name, value)
    run.full_clean()
    run.save()
    audit_event_record(
        actor=actor,
        action="water.run_prepared",
        obj=run,
        data={"period": str(period), "connections": count, "total": str(total)},
    )
    return run


@transaction.atomic
def water_run_approve(*, actor, run: WaterBillRun) -> WaterBillRun:
    if not user_has_role(actor, APPROVER_ROLES):
        raise PermissionDenied(_("Only the revenue chief approves a water bill run."))
    run = WaterBillRun.objects.select_for_update().select_related("period").get(pk=run.pk)
    if run.state != WaterBillRun.State.PREPARED:
        raise ValidationError(_("Only a prepared water bill run can be approved."))
    if Reading.objects.filter(period=run.period, status=Reading.Status.FLAGGED).exists():
        raise ValidationError(
            _("Some of this period's readings are still flagged: review them and prepare again.")
        )
    if _readings_changed_since(run.period, run.prepared_at):
        raise ValidationError(
            _("Readings changed after the run was prepared: prepare it again before approving.")
        )
    run.state, run.approved_by, run.approved_at = (
        WaterBillRun.State.APPROVED,
        actor,
        timezone.now(),
    )
    run.save(update_fields=["state", "approved_by", "approved_at"])
    audit_event_record(actor=actor, action="water.run_approved", obj=run)
    return run


# The current charges of the connections in ``src`` (consumption, metered,
# category_id, minimum_charge, meter_rent, flat_rate): slab lines priced as
# tariffs.monthly_charges prices them (rounding and layout included).  Both
# the issue and the preparation's review figures use it.
_CHARGES_SQL = """), slabs AS (
    SELECT s.category_id, s.rate,
           COALESCE(lag(s.upto_m3) OVER w, 0) AS lower,
           CASE WHEN lead(s.id) OVER w IS NULL THEN NULL ELSE s.upto_m3 END AS upper,
           row_number() OVER w AS pos
    FROM water_tariffslab s
    WHERE s.category_id IN (SELECT category_id FROM src)
    WINDOW w AS (PARTITION BY s.category_id ORDER BY s.upto_m3 NULLS LAST)
), slab_lines AS (
    SELECT src.connection_id, sl.pos, sl.lower, sl.upper, sl.rate,
           LEAST(src.consumption, COALESCE(sl.upper, src.consumption)) - sl.lower AS qty
    FROM src JOIN slabs sl ON sl.category_id = src.category_id
    WHERE src.metered
), priced AS MATERIALIZED (
    SELECT connection_id,
           jsonb_agg(jsonb_build_object(
               'code', 'slab',
               'from', lower::numeric(12, 3)::text,
               'to', upper::numeric(12, 3)::text,
               'm3', qty::numeric(12, 3)::text,
               'rate', rate::numeric(12, 2)::text,
               'amount', round(qty * rate, 2)::text
           ) ORDER BY pos) AS lines,
           sum(round(qty * rate, 2)) AS charge
    FROM slab_lines
    WHERE qty > 0
    GROUP BY connection_id
), c AS (
    SELECT src.*, COALESCE(p.lines, '[]'::jsonb) AS slab_json, COALESCE(p.charge, 0) AS charge
    FROM src LEFT JOIN priced p ON p.connection_id = src.connection_id
"""

# The review figures of a run: current charges (arrears left out), use and
# connections by ward, in one statement with the issue's arithmetic.
_PREPARE_SQL = """
WITH src AS (
    SELECT c.id AS connection_id, c.metered, c.category_id, w.number AS ward,
           cat.minimum_charge, cat.meter_rent, cat.flat_rate,
           (CASE WHEN c.metered THEN COALESCE((
               SELECT sum(r.consumption) FROM water_meter m
               JOIN water_reading r ON r.meter_id = m.id
               WHERE m.connection_id = c.id AND r.period_id = %(period)s
                 AND r.status = 'accepted'
           ), 0) ELSE 0 END)::numeric(12, 3) AS consumption
    FROM water_connection c
    JOIN registry_holding h ON h.id = c.holding_id
    JOIN registry_ward w ON w.id = h.ward_id
    JOIN water_tariffcategory cat ON cat.id = c.category_id
    WHERE c.status = 'active' AND c.connected_on <= %(ends_on)s
"""
PREPARE_SQL = (  # noqa: S608 - constants
    _PREPARE_SQL
    + _CHARGES_SQL
    + """)
SELECT ward, count(*),
       sum(CASE WHEN metered THEN GREATEST(charge, minimum_charge) + meter_rent
                ELSE flat_rate END),
       sum(consumption)
FROM c GROUP BY ward ORDER BY ward
"""
)


# One statement writes every missing bill of one ward of the run.  Numbers
# continue from the period's last_number (its row is locked by the caller)
# in connection number order, so they are consecutive without gaps;
# connections that already have a bill in this run are skipped, and the
# unique (run, connection) constraint is the last guard (ON CONFLICT DO
# NOTHING).  The arithmetic is tariffs.py's, rounding and line layout
# included.  Use: accepted readings of the period on any of the
# connection's meters, looked up per connection through the (meter, period)
# index (a GROUP BY over the period joined back to the connections became a
# nested loop that re-aggregated per connection whenever the planner
# expected one row, as in the generator's one transaction; the slab prices
# are materialised once for the same reason).
#
# Arrears: what is still owed on the connection's previous bill ("prev":
# its latest issued water bill of an earlier period, which itself carried
# what was owed before it): prev's total less what counts as paid towards
# it, never negative (water bills have no rebate).  What counts as paid
# towards prev (the rule payments.selectors.bill_credits states through
# payments.documents.document_late_payments, worded the same for holding
# tax in billing.services.ISSUE_SQL): the valid payments on prev itself,
# plus the valid payments on the connection's other documents of prev's
# period or earlier (and on cancelled ones) received at or after prev's
# figures were fixed (its issue; water bills have no corrections).  Those
# prev could not know of: an online payment started on an older bill while
# it was the latest and confirmed after the newer one was issued is
# credited to the older bill, while the newer one's arrears still include
# it.
#
# The earlier periods' runs come as an array, latest first (%(earlier)s):
# the previous bill is then one (connection, run) index scan per
# connection, ordered by array_position, instead of joining runs and
# periods per connection and sorting by (year, month); in a first run the
# array is empty and there is nothing to look up.  (The join-and-sort form,
# under statistics taken while water_waterbill was still empty, read the
# table's run index whole for every connection: a first run at Khulna scale
# took seconds per ward, growing ward by ward.)
#
# payments_payment is the payments app's table: payments depends on water,
# so water reads the table by name instead of importing its models
# (layering), as billing does.
_ISSUE_HEAD = """
WITH conn AS (
    SELECT c.id AS connection_id, c.number, c.metered, c.category_id, cat.code AS category,
           cat.minimum_charge, cat.meter_rent, cat.flat_rate
    FROM water_connection c
    JOIN registry_holding h ON h.id = c.holding_id
    JOIN water_tariffcategory cat ON cat.id = c.category_id
    WHERE c.status = 'active' AND c.connected_on <= %(ends_on)s AND h.ward_id = %(ward)s
      AND NOT EXISTS (
          SELECT 1 FROM water_waterbill x
          WHERE x.run_id = %(run)s AND x.connection_id = c.id AND x.kind = 'bill'
      )
), src AS (
    SELECT conn.*,
           (CASE WHEN conn.metered THEN COALESCE((
               SELECT sum(r.consumption) FROM water_meter m
               JOIN water_reading r ON r.meter_id = m.id
               WHERE m.connection_id = conn.connection_id AND r.period_id = %(period)s
                 AND r.status = 'accepted'
           ), 0) ELSE 0 END)::numeric(12, 3) AS consumption,
           CASE WHEN prev.id IS NULL THEN 0
                ELSE GREATEST(prev.total - paid.amount, 0) END AS arrears,
           row_number() OVER (ORDER BY conn.number) AS rn
    FROM conn
    LEFT JOIN LATERAL (
        SELECT b.id, b.total, b.issued_at,
               array_position(%(earlier)s::bigint[], b.run_id::bigint) AS pos
        FROM water_waterbill b
        WHERE b.connection_id = conn.connection_id AND b.run_id = ANY(%(earlier)s::bigint[])
          AND b.status = 'issued' AND b.kind <> 'cancellation'
        ORDER BY pos, b.id DESC
        LIMIT 1
    ) prev ON true
    LEFT JOIN LATERAL (
        SELECT COALESCE(sum(pay.amount), 0) AS amount
        FROM water_waterbill o
        JOIN payments_payment pay ON pay.water_bill_id = o.id
        WHERE prev.id IS NOT NULL AND o.connection_id = conn.connection_id
          AND o.run_id = ANY(%(earlier)s::bigint[]) AND pay.status = 'valid'
          AND (o.id = prev.id OR (
              pay.received_at >= prev.issued_at
              AND (array_position(%(earlier)s::bigint[], o.run_id::bigint) >= prev.pos
                   OR o.status = 'cancelled')
          ))
    ) paid ON true
"""
_ISSUE_TAIL = """), b AS (
    SELECT c.*,
           CASE WHEN NOT metered THEN jsonb_build_array(jsonb_build_object(
                    'code', 'flat', 'amount', flat_rate::numeric(12, 2)::text))
                ELSE slab_json
                     || CASE WHEN charge < minimum_charge THEN jsonb_build_array(
                            jsonb_build_object('code', 'minimum', 'amount',
                                               (minimum_charge - charge)::numeric(12, 2)::text))
                        ELSE '[]'::jsonb END
                     || CASE WHEN meter_rent > 0 THEN jsonb_build_array(
                            jsonb_build_object('code', 'meter_rent', 'amount',
                                               meter_rent::numeric(12, 2)::text))
                        ELSE '[]'::jsonb END
           END AS bill_lines,
           CASE WHEN metered THEN GREATEST(charge, minimum_charge) + meter_rent
                ELSE flat_rate END AS current,
           CASE WHEN metered THEN meter_rent ELSE 0 END AS rent
    FROM c
), ins AS (
    INSERT INTO water_waterbill (
        run_id, connection_id, number, kind, category, metered, consumption, lines,
        meter_rent, arrears, total, due_on, status, issued_at
    )
    SELECT %(run)s, connection_id,
           %(prefix)s || lpad((%(offset)s + rn)::text,
                              GREATEST(length((%(offset)s + rn)::text), 6), '0'),
           'bill', category, metered, consumption, bill_lines, rent, arrears,
           current + arrears, %(due_on)s, 'issued', %(now)s
    FROM b
    ORDER BY rn
    ON CONFLICT (run_id, connection_id) WHERE kind = 'bill' DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM ins
"""
ISSUE_SQL = _ISSUE_HEAD + _CHARGES_SQL + _ISSUE_TAIL  # noqa: S608 - constants


def water_run_issue(*, run_id: int) -> WaterBillRun:
    """Issue every missing bill of an approved run, one ward per transaction
    (its bills, the period's last number and the run's count commit
    together, so progress shows while it runs).  Safe to call again, also
    after a worker was killed in the middle: a ward's transaction committed
    all its bills or none, existing bills are kept (unique per run and
    connection), none is doubled, numbering goes on from the period's last
    number without a gap.  Two workers on one run take turns on its row lock."""
    run = WaterBillRun.objects.select_related("period").get(pk=run_id)
    if run.state == WaterBillRun.State.PREPARED:
        raise ValidationError(_("A water bill run must be approved before it is issued."))
    ward_ids = list(
        billable_connections(run.period)
        .order_by("holding__ward__number")
        .values_list("holding__ward_id", flat=True)
        .distinct()
    )
    # Tests only (the same setting as holding-tax runs): the second ward waits.
    hold = getattr(settings, "IMIS_BILLING_ISSUE_HOLD_SECONDS", 0)
    inserted_total = 0
    # A rerun starts from statistics that know the run's bills.
    # The issue finds whether a connection is billed in this run already, and
    # its previous bill, through water_waterbill's indexes (tenants.bulk_sql).
    rerun = WaterBill.objects.filter(run_id=run_id).exists()
    statistics = PlannerStatistics("water_waterbill", analyse_now=rerun)
    for index, ward_id in enumerate(ward_ids):
        statistics.before_batch()
        with transaction.atomic():
            inserted = _issue_ward(run_id, ward_id)
            inserted_total += inserted
            statistics.wrote(inserted)
            if hold and index == 1:  # tests only: a worker is killed in here
                time.sleep(hold)
    with transaction.atomic():
        run = WaterBillRun.objects.select_for_update().select_related("period").get(pk=run_id)
        first_issue = run.state != WaterBillRun.State.ISSUED
        run.state = WaterBillRun.State.ISSUED
        run.bill_count = WaterBill.objects.filter(run=run, kind=WaterBill.Kind.BILL).count()
        run.issued_at = run.issued_at or timezone.now()
        run.save(update_fields=["state", "bill_count", "issued_at"])
        if first_issue or inserted_total:
            audit_event_record(
                actor=None,
                action="water.run_issued",
                obj=run,
                data={"inserted": inserted_total, "bills": run.bill_count},
            )
    return run


def _issue_ward(run_id: int, ward_id: int) -> int:
    """One ward's missing bills, numbered after the period's last number."""
    # The ward's lock first (payments in flight in the ward commit before the
    # statement reads them; see registry.locks), then the run's, then the
    # period's: every issuer takes them in this order.
    ward_lock(service="water", ward_id=ward_id)
    run = WaterBillRun.objects.select_for_update().get(pk=run_id)
    period = WaterBillingPeriod.objects.select_for_update().get(pk=run.period_id)
    with connection.cursor() as cursor:
        # Without JIT for this statement: its cost estimate (per-connection
        # lookups) passes the JIT thresholds once the year's bills are in,
        # and compiling its ~160 expressions took ~3 s a ward for a statement
        # that runs in ~0.1 s (Khulna scale; tenants.bulk_sql).
        ((inserted,),) = fetch_without_jit(cursor, ISSUE_SQL, _issue_params(run, period, ward_id))
    if inserted:
        period.last_number += inserted
        period.save(update_fields=["last_number"])
    if run.state == WaterBillRun.State.APPROVED:
        run.state = WaterBillRun.State.ISSUING
    # The run's count commits with the ward's bills under the run's lock, so
    # adding what was inserted keeps it exact (no count over the whole run).
    run.bill_count += inserted
    run.save(update_fields=["state", "bill_count"])
    return inserted


def _issue_params(run: WaterBillRun, period: WaterBillingPeriod, ward_id: int) -> dict:
    """ISSUE_SQL's parameters for one ward (the runs of earlier periods
    latest first, for the previous bill)."""
    earlier = list(
        WaterBillRun.objects.filter(
            Q(period__year__lt=period.year)
            | Q(period__year=period.year, period__month__lt=period.month)
        )
        .order_by("-period__year", "-period__month")
        .values_list("pk", flat=True)
    )
    return {
        "earlier": earlier,
        "period": period.pk,
        "ends_on": period.ends_on,
        "ward": ward_id,
        "run": run.pk,
        "prefix": period.number_prefix,
        "offset": period.last_number,
        "due_on": period.due_on,
        "now": timezone.now(),
    }


def water_run_progress(run: WaterBillRun) -> int:
    """Per cent of the run's connections billed (100 once issued)."""
    if run.state == WaterBillRun.State.ISSUED:
        return 100
    if not run.connection_count:
        return 0
    return min(99, run.bill_count * 100 // run.connection_count)


def water_run_issue_queue(*, actor, run: WaterBillRun) -> None:
    """Send an approved run to the worker once the caller's transaction commits."""
    from backoffice.water.tasks import water_run_issue_task

    if not user_has_role(actor, PREPARER_ROLES):
        raise PermissionDenied(_("Only the water supply office or the revenue chief issues bills."))
    if run.state == WaterBillRun.State.PREPARED:
        raise ValidationError(_("A water bill run must be approved before it is issued."))
    audit_event_record(actor=actor, action="water.run_issue_queued", obj=run)
    transaction.on_commit(lambda: water_run_issue_task.delay(run.pk))


@transaction.atomic
def water_bill_cancel(*, actor, bill: WaterBill, reason: str) -> WaterBill:
    """Cancel an issued water bill with a new cancellation document (numbered
    in the same period sequence); the old bill's status is the only field
    that changes."""
    if not user_has_role(actor, APPROVER_ROLES):
        raise PermissionDenied(_("Only the revenue chief cancels a bill."))
    bill = WaterBill.objects.select_for_update().select_related("run").get(pk=bill.pk)
    if bill.status != WaterBill.Status.ISSUED or bill.kind == WaterBill.Kind.CANCELLATION:
        raise ValidationError(_("Only an issued bill can be cancelled."))
    # As for holding tax: receipts would stay on a cancelled bill.
    valid_receipts_refuse(column="water_bill_id", document_id=bill.pk, doing=_("cancelled"))
    period = WaterBillingPeriod.objects.select_for_update().get(pk=bill.run.period_id)
    period.last_number += 1
    period.save(update_fields=["last_number"])
    WaterBill.objects.filter(pk=bill.pk).update(status=WaterBill.Status.CANCELLED)
    negate = [{**x, "amount": str(-Decimal(x["amount"]))} for x in bill.lines]
    cancellation = WaterBill.objects.create(
        run=bill.run,
        connection_id=bill.connection_id,
        number=f"{period.number_prefix}{period.last_number:06d}",
        kind=WaterBill.Kind.CANCELLATION,
        replaces=bill,
        category=bill.category,
        metered=bill.metered,
        consumption=-bill.consumption,
        lines=negate,
        meter_rent=-bill.meter_rent,
        arrears=-bill.arrears,
        total=-bill.total,
        due_on=bill.due_on,
        issued_at=timezone.now(),
    )
    audit_event_record(
        actor=actor,
        action="water.bill_cancelled",
        obj=bill,
        data={"cancellation": cancellation.number, "reason": reason},
    )
    return cancellation


def run_summary(run: WaterBillRun) -> dict:
    """Issued bills' figures (for the run page)."""
    return WaterBill.objects.filter(run=run, kind=WaterBill.Kind.BILL).aggregate(
        bills=Count("id"), total=Sum("total"), m3=Sum("consumption"), last=Max("number")
    )

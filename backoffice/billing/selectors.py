"""Reads for bill runs and bills (staff screens, the API and the public
verification page build on these)."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from backoffice.billing.calculation import ZERO, owed
from backoffice.billing.models import Bill, BillRun


def bill_run_list() -> QuerySet[BillRun]:
    return BillRun.objects.select_related("period", "prepared_by", "approved_by")


def bill_by_number(number: str) -> Bill | None:
    return (
        Bill.objects.select_related("holding", "run__period", "replaces")
        .filter(number=number)
        .first()
    )


def bills_of_holding(code: str) -> QuerySet[Bill]:
    """A holding's documents, newest period first, corrections after the bill."""
    return (
        Bill.objects.select_related("run__period")
        .filter(holding__code=code)
        .order_by("-run__period__year", "-run__period__quarter", "id")
    )


def holding_latest_bill(holding) -> Bill | None:
    """The holding's latest issued bill or correction (latest period, then
    latest document): it carries what was still owed on the earlier ones."""
    return (
        Bill.objects.select_related("run__period")
        .filter(holding=holding, status=Bill.Status.ISSUED)
        .exclude(kind=Bill.Kind.CANCELLATION)
        .order_by("-run__period__year", "-run__period__quarter", "-id")
        .first()
    )


# payments_payment is the payments app's table (payments depends on billing,
# so billing reads it by name rather than importing its models), as
# services.ISSUE_SQL does for arrears.  What counts as paid towards a bill
# (the rule of ISSUE_SQL and payments.selectors.bill_credits): its valid
# payments, plus the valid payments on the holding's other documents of its
# period or earlier (or cancelled ones) received at or after its figures were
# fixed (the issue of the holding's first document in its period).
_PAID_SQL = """
WITH known AS (
    SELECT CASE WHEN b.kind = 'bill' THEN b.issued_at ELSE (
               SELECT min(f.issued_at) FROM billing_bill f
               WHERE f.holding_id = b.holding_id AND f.run_id = b.run_id
           ) END AS at,
           p.year, p.quarter
    FROM billing_bill b
    JOIN billing_billrun r ON r.id = b.run_id
    JOIN billing_billingperiod p ON p.id = r.period_id
    WHERE b.id = %(bill)s
)
SELECT COALESCE(sum(pp.amount), 0),
       COALESCE(sum(pp.amount) FILTER (
           WHERE pp.received_at < ((%(due_on)s::date + 1)::timestamp AT TIME ZONE %(tz)s)
       ), 0)
FROM billing_bill o
JOIN billing_billrun r ON r.id = o.run_id
JOIN billing_billingperiod p ON p.id = r.period_id
JOIN payments_payment pp ON pp.bill_id = o.id
CROSS JOIN known k
WHERE o.holding_id = %(holding)s AND pp.status = 'valid'
  AND (o.id = %(bill)s OR (
      pp.received_at >= k.at
      AND ((p.year, p.quarter) <= (k.year, k.quarter) OR o.status = 'cancelled')
  ))
"""


def bill_paid_sums(bill: Bill) -> tuple[Decimal, Decimal]:
    """What counts as paid towards ``bill`` (see _PAID_SQL): in all, and by
    the end of its due date (on the municipality's clock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _PAID_SQL,
            {
                "bill": bill.pk,
                "holding": bill.holding_id,
                "due_on": bill.due_on,
                "tz": timezone.get_current_timezone_name(),
            },
        )
        paid, by_due_date = cursor.fetchone()
    return paid, by_due_date


def holding_balance(holding, *, on: datetime.date | None = None) -> Decimal:
    """What ``holding`` owes on the day ``on`` (today by default): its latest
    bill's outstanding amount, which includes the arrears of the earlier
    ones.  Up to the due date the early-payment rebate is deducted; a bill
    counts as settled under payments' rule (paid in full, or its total less
    the rebate by the due date)."""
    bill = holding_latest_bill(holding)
    if bill is None:
        return ZERO
    on = on or timezone.localdate()
    paid, by_due_date = bill_paid_sums(bill)
    if on > bill.due_on:
        return owed(total=bill.total, rebate=bill.rebate, paid=paid, paid_by_due_date=by_due_date)
    if owed(total=bill.total, rebate=bill.rebate, paid=paid, paid_by_due_date=by_due_date) == 0:
        return ZERO
    return max(bill.total - bill.rebate - paid, ZERO)

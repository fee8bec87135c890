"""Dues by ward: what each holding still owes on its latest issued bill.

Read-only and set-based (one statement per page, one for the ward totals).

Layering: payments imports billing (a payment belongs to a bill), so billing
must not import payments.  These reads therefore name the payments table
(``payments_payment``: ``bill_id``, ``amount``, ``status``, ``received_at``)
in SQL instead of importing its model; tests/backoffice/billing/test_dues.py
records payments through payments' own services and checks that every
figure here equals ``backoffice.payments.selectors.bill_outstanding``, so a
change to that table or rule fails there.

The rule is payments.selectors' (bill_is_paid / bill_outstanding):

* the latest bill of a holding is its issued bill or correction of the
  latest period (a cancelled bill no longer counts; the bill carries the
  arrears of earlier ones);
* it is settled when its total is not positive, when valid payments reach
  the total, or, with a rebate, when valid payments received by the end of
  its due date (the municipality's clock) reach the total less the rebate;
* otherwise it owes the total (less the rebate up to the due date) less
  valid payments, never below zero.

What counts as paid towards the latest bill (payments.selectors.bill_credits,
services.ISSUE_SQL): its valid payments, plus the valid payments on the
holding's other documents of its period or earlier (or cancelled ones)
received at or after its figures were fixed (the issue of the holding's first
document in its period): an online payment started on an older bill and
confirmed after the newer bill was issued is in the newer bill's arrears, so
it pays the newer bill.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from backoffice.registry.exporting.services import ExportQuery

PAGE_SIZE = 50

# The rule, over ``l`` (the latest bill) and ``s`` (its valid payments).
_OUTSTANDING = """CASE
        WHEN l.total <= 0 OR s.paid >= l.total
             OR (l.rebate > 0 AND s.paid_by_due >= l.total - l.rebate) THEN 0::numeric
        ELSE GREATEST(
            CASE WHEN %(on)s::date <= l.due_on THEN l.total - l.rebate ELSE l.total END - s.paid,
            0)
    END"""
_PAID_BY_DUE = "pp.received_at < ((l.due_on + 1)::timestamp AT TIME ZONE %(tz)s)"
# When the latest bill's figures were fixed (a correction keeps the arrears
# of the bill it replaces), over ``b`` (the latest bill, its period ``p``).
_KNOWN_AT = """CASE WHEN b.kind = 'bill' THEN b.issued_at ELSE (
            SELECT min(f.issued_at) FROM billing_bill f
            WHERE f.holding_id = b.holding_id AND f.run_id = b.run_id
        ) END"""
# Which valid payments ``pp`` on the holding's document ``o`` (period ``op``,
# joined by _HOLDING_DOCUMENTS) count as paid towards ``l``.
_CREDITED = """(o.id = l.id OR (
        pp.received_at >= l.known_at
        AND ((op.year, op.quarter) <= (l.year, l.quarter) OR o.status = 'cancelled')
    ))"""
_HOLDING_DOCUMENTS = """JOIN billing_billrun orun ON orun.id = o.run_id
    JOIN billing_billingperiod op ON op.id = orun.period_id
    JOIN payments_payment pp ON pp.bill_id = o.id"""

# Per holding, in holding-code order: a page walks the code index and looks
# each holding's latest bill and payments up by their indexes (a page of 50
# costs milliseconds at 156,052 holdings).
_FROM_TEXT = """
FROM registry_holding h
JOIN registry_ward w ON w.id = h.ward_id
CROSS JOIN LATERAL (
    SELECT b.id, b.number, b.total, b.rebate, b.due_on, p.year, p.quarter,
           @@known_at@@ AS known_at
    FROM billing_bill b
    JOIN billing_billrun r ON r.id = b.run_id
    JOIN billing_billingperiod p ON p.id = r.period_id
    WHERE b.holding_id = h.id AND b.status = 'issued' AND b.kind IN ('bill', 'correction')
    ORDER BY p.year DESC, p.quarter DESC, b.id DESC
    LIMIT 1
) l
CROSS JOIN LATERAL (
    SELECT COALESCE(sum(pp.amount), 0) AS paid,
           COALESCE(sum(pp.amount) FILTER (WHERE @@paid_by_due@@), 0) AS paid_by_due
    FROM billing_bill o @@documents@@
    WHERE o.holding_id = h.id AND pp.status = 'valid' AND @@credited@@
) s
CROSS JOIN LATERAL (SELECT @@outstanding@@ AS outstanding) o
WHERE o.outstanding > 0 AND o.outstanding >= %(min)s
"""


def _compose(text: str, **parts: str) -> str:
    """Put this module's own constant SQL fragments (never input) into ``text``."""
    for name, part in parts.items():
        text = text.replace(f"@@{name}@@", part)
    return text


_PARTS = {
    "paid_by_due": _PAID_BY_DUE,
    "outstanding": _OUTSTANDING,
    "known_at": _KNOWN_AT,
    "credited": _CREDITED,
    "documents": _HOLDING_DOCUMENTS,
}
_FROM = _compose(_FROM_TEXT, **_PARTS)

# The same figures for every holding at once (the ward totals): one pass
# over the bills and the payments, hashed, instead of 156,052 look-ups
# (1.8 s against 3.8 s at Khulna scale).  The latest bills' own payments
# and the ones their figures could not know of are read apart: the second
# part only looks at payments received since the earliest of the latest
# bills was issued (usually the last run), not at every payment ever.
_TOTALS_TEXT = """
WITH l AS (
    SELECT DISTINCT ON (b.holding_id) b.id, b.holding_id, b.total, b.rebate, b.due_on,
           p.year, p.quarter, @@known_at@@ AS known_at
    FROM billing_bill b
    JOIN billing_billrun r ON r.id = b.run_id
    JOIN billing_billingperiod p ON p.id = r.period_id
    WHERE b.status = 'issued' AND b.kind IN ('bill', 'correction')@@bills@@
    ORDER BY b.holding_id, p.year DESC, p.quarter DESC, b.id DESC
), credited AS (
    SELECT pp.bill_id, pp.amount, pp.received_at
    FROM payments_payment pp JOIN l ON l.id = pp.bill_id
    WHERE pp.status = 'valid'
    UNION ALL
    SELECT l.id, pp.amount, pp.received_at
    FROM payments_payment pp
    JOIN billing_bill o ON o.id = pp.bill_id
    JOIN l ON l.holding_id = o.holding_id AND l.id <> o.id
    JOIN billing_billrun orun ON orun.id = o.run_id
    JOIN billing_billingperiod op ON op.id = orun.period_id
    WHERE pp.status = 'valid' AND pp.received_at >= (SELECT min(known_at) FROM l)
      AND @@credited@@
), paid AS (
    SELECT pp.bill_id, sum(pp.amount) AS paid,
           sum(pp.amount) FILTER (WHERE @@paid_by_due@@) AS paid_by_due
    FROM credited pp JOIN l ON l.id = pp.bill_id
    GROUP BY pp.bill_id
), owed AS (
    SELECT l.holding_id, @@outstanding@@ AS outstanding
    FROM l
    LEFT JOIN paid ON paid.bill_id = l.id
    CROSS JOIN LATERAL (
        SELECT COALESCE(paid.paid, 0) AS paid, COALESCE(paid.paid_by_due, 0) AS paid_by_due
    ) s
)
SELECT w.number, w.name_en, w.name_bn, count(*), sum(o.outstanding)
FROM owed o
JOIN registry_holding h ON h.id = o.holding_id
JOIN registry_ward w ON w.id = h.ward_id
WHERE o.outstanding > 0 AND o.outstanding >= %(min)s@@wards@@
GROUP BY w.number, w.name_en, w.name_bn
ORDER BY w.number
"""
_TOTALS = _compose(_TOTALS_TEXT, **_PARTS)

_ROW = (
    "SELECT h.code, w.number AS ward, w.name_en AS ward_name_en, w.name_bn AS ward_name_bn,"
    " h.holding_type, l.number AS bill, l.due_on, l.total, s.paid, o.outstanding"
)
COLUMNS = (
    "code",
    "ward",
    "ward_name_en",
    "ward_name_bn",
    "holding_type",
    "bill",
    "due_on",
    "total",
    "paid",
    "outstanding",
)


@dataclass(frozen=True)
class DuesFilters:
    ward: int | None = None  # ward number
    min_amount: Decimal = Decimal("0")

    def described(self) -> dict:
        out = {}
        if self.ward is not None:
            out["ward"] = self.ward
        if self.min_amount:
            out["min_amount"] = str(self.min_amount)
        return out


@dataclass(frozen=True)
class DueRow:
    code: str
    ward: int
    ward_name_en: str
    ward_name_bn: str
    holding_type: str
    bill: str
    due_on: datetime.date
    total: Decimal
    paid: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class DuesPage:
    rows: list[DueRow]
    next_key: str | None
    prev_key: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_key or self.prev_key)


def _params(filters: DuesFilters, on: datetime.date | None) -> tuple[str, dict]:
    params = {
        "tz": timezone.get_current_timezone_name(),
        "on": on or timezone.localdate(),
        "min": max(filters.min_amount or Decimal("0"), Decimal("0")),
    }
    where = ""
    if filters.ward is not None:
        where = " AND w.number = %(ward)s"
        params["ward"] = filters.ward
    return where, params


def dues_page(
    filters: DuesFilters = DuesFilters(),
    *,
    after: str = "",
    before: str = "",
    on: datetime.date | None = None,
    size: int = PAGE_SIZE,
) -> DuesPage:
    """One page of owing holdings by holding code (keyset: ``code > after``
    or ``code < before``; the holding code index, never OFFSET or COUNT)."""
    where, params = _params(filters, on)
    params["limit"] = size + 1
    if before:
        where += " AND h.code < %(before)s"
        params["before"] = before
        order = "DESC"
    else:
        if after:
            where += " AND h.code > %(after)s"
            params["after"] = after
        order = "ASC"
    statement = f"{_ROW} {_FROM}{where} ORDER BY h.code {order} LIMIT %(limit)s"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        chunk = [DueRow(*row) for row in cursor.fetchall()]
    rows = chunk[:size]
    more = len(chunk) > size
    if before:
        rows.reverse()
        return DuesPage(
            rows=rows,
            next_key=rows[-1].code if rows else None,
            prev_key=rows[0].code if rows and more else None,
        )
    return DuesPage(
        rows=rows,
        next_key=rows[-1].code if rows and more else None,
        prev_key=rows[0].code if rows and after else None,
    )


@dataclass(frozen=True)
class WardDues:
    ward: int
    name_en: str
    name_bn: str
    holdings: int
    outstanding: Decimal


def dues_by_ward(
    filters: DuesFilters = DuesFilters(), *, on: datetime.date | None = None
) -> list[WardDues]:
    """Per ward: how many holdings owe and how much (the same filters)."""
    _where, params = _params(filters, on)
    bills = wards = ""
    if filters.ward is not None:
        bills = (
            " AND b.holding_id IN (SELECT hh.id FROM registry_holding hh"
            " JOIN registry_ward ww ON ww.id = hh.ward_id WHERE ww.number = %(ward)s)"
        )
        wards = " AND w.number = %(ward)s"
    statement = _compose(_TOTALS, bills=bills, wards=wards)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [WardDues(*row) for row in cursor.fetchall()]


def dues_export_query(
    filters: DuesFilters = DuesFilters(), *, on: datetime.date | None = None
) -> ExportQuery:
    """The whole filtered list for the registry's CSV / Excel writers (the
    parameters quoted by psycopg as Django would bind them)."""
    where, params = _params(filters, on)
    statement = f"{_ROW} {_FROM}{where} ORDER BY h.code"
    return ExportQuery("dues", COLUMNS, connection.ops.compose_sql(statement, params), False)

"""Synthetic payments for the synthetic city's bills (billing's synthetic
step calls :func:`bill_payments_make` after issuing each run, through
``settings.IMIS_SYNTHETIC_BILL_PAYMENTS``, and water's calls
:func:`water_bill_payments_make` through ``IMIS_SYNTHETIC_WATER_PAYMENTS``:
neither imports payments).

One INSERT ... SELECT per run, deterministic by seed: each bill draws two
numbers from an md5 of the seed and its number (bill numbers follow the
holding codes, so the same city gets the same payments).  Of the bills with
something to pay, about 55 % are paid in the rebate window (total less the
rebate, by the due date), 10 % in full up to 30 days late, 7 % partly
(30-80 %, by the due date), and the rest stay unpaid.  All are counter
receipts, numbered on from the year's receipt sequence, consecutive per
year in the order received (the sequence rows are updated in the same
statement)."""

import datetime

PAID_IN_WINDOW = 0.55
PAID_LATE = 0.65  # cumulative shares
PAID_PART = 0.72

# Both kinds of payment are numbered and inserted alike: the year's receipts
# follow on from its sequence in the order received, and the sequence row
# is moved to the last number in the same statement.
# Numbers are written as services._number_take writes them: six digits at
# least, more past 999,999 (lpad to six would cut the seventh digit off and
# repeat an earlier number; a Khulna-scale year has over a million receipts).
_NUMBERED_INSERT = """), numbered AS (
    SELECT pay.*, y.year,
           COALESCE(s.last_number, 0)
               + row_number() OVER (PARTITION BY y.year ORDER BY received_at, {column}) AS seq
    FROM pay
    CROSS JOIN LATERAL (
        SELECT extract(year FROM received_at AT TIME ZONE %(tz)s)::int AS year
    ) y
    LEFT JOIN payments_receiptsequence s ON s.kind = 'R' AND s.year = y.year
), ins AS (
    INSERT INTO payments_payment (
        {column}, method, amount, receipt_year, receipt_seq, receipt_number,
        received_at, payer_name, status
    )
    SELECT {column}, 'counter', amount, year, seq,
           'R-' || year || '-' || lpad(seq::text, GREATEST(length(seq::text), 6), '0'),
           received_at, '', 'valid'
    FROM numbered
    RETURNING receipt_year, receipt_seq
), last AS (
    INSERT INTO payments_receiptsequence (kind, year, last_number)
    SELECT 'R', receipt_year, max(receipt_seq) FROM ins GROUP BY receipt_year
    ON CONFLICT (kind, year) DO UPDATE SET last_number = EXCLUDED.last_number
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM last)
"""

# %(seed)s, %(run)s, %(now)s, %(tz)s.  u picks the kind of payer, v the day
# and hour and the part paid.
_BILLS_PAID = """
WITH b AS (
    SELECT b.id, b.total, b.rebate, b.due_on, p.starts_on,
           ('x' || substr(md5(%(seed)s || ':' || b.number), 1, 8))::bit(32)::bigint
               / 4294967296.0 AS u,
           ('x' || substr(md5(%(seed)s || ':' || b.number), 9, 8))::bit(32)::bigint
               / 4294967296.0 AS v
    FROM billing_bill b
    JOIN billing_billrun r ON r.id = b.run_id
    JOIN billing_billingperiod p ON p.id = r.period_id
    WHERE b.run_id = %(run)s AND b.kind = 'bill' AND b.status = 'issued' AND b.total > 0
), pay AS (
    SELECT id AS bill_id,
           CASE WHEN u < %(window)s THEN total - rebate
                WHEN u < %(late)s THEN total
                ELSE LEAST(total, GREATEST(round(total * (0.3 + 0.5 * v), 2), 0.01))
           END AS amount,
           LEAST(
               ((CASE WHEN u >= %(window)s AND u < %(late)s
                      THEN due_on + 1 + floor(v * 30)::int
                      ELSE starts_on + floor(v * (due_on - starts_on + 1))::int
                 END)::timestamp
                + interval '9 hours' + floor(v * 1000 * 480)::int %% 480 * interval '1 minute'
               ) AT TIME ZONE %(tz)s,
               %(now)s
           ) AS received_at
    FROM b WHERE u < %(part)s
"""
PAYMENTS_SQL = _BILLS_PAID + _NUMBERED_INSERT.format(column="bill_id")  # noqa: S608 - constants


def bill_payments_make(*, cursor, run_id: int, seed: int, now: datetime.datetime, tz: str) -> int:
    """Payments for the bills of run ``run_id``; returns how many.  Runs in
    the caller's transaction; the receipt sequences are locked first, so a
    counter payment taken meanwhile waits rather than reuse a number."""
    cursor.execute("LOCK TABLE payments_receiptsequence IN SHARE ROW EXCLUSIVE MODE")
    receipt_sequences_reset(cursor=cursor)
    cursor.execute(
        PAYMENTS_SQL,
        {
            "seed": str(seed),
            "run": run_id,
            "now": now,
            "tz": tz,
            "window": PAID_IN_WINDOW,
            "late": PAID_LATE,
            "part": PAID_PART,
        },
    )
    return cursor.fetchone()[0]


def receipt_sequences_reset(*, cursor) -> None:
    """With no receipts and no cancellations left (an emptied city), numbering
    starts again at 1."""
    cursor.execute(
        "DELETE FROM payments_receiptsequence WHERE NOT EXISTS (SELECT 1 FROM payments_payment)"
        " AND NOT EXISTS (SELECT 1 FROM payments_receiptcancellation)"
    )


# Water bills: no rebate; about 70 % paid in full by the due date, 10 % in
# full up to 30 days late, 6 % partly; each bill's payment is received
# after its month ended (the bill is issued then).
_WATER_BILLS_PAID = """
WITH b AS (
    SELECT b.id, b.total, b.due_on, p.ends_on,
           ('x' || substr(md5(%(seed)s || ':' || b.number), 1, 8))::bit(32)::bigint
               / 4294967296.0 AS u,
           ('x' || substr(md5(%(seed)s || ':' || b.number), 9, 8))::bit(32)::bigint
               / 4294967296.0 AS v
    FROM water_waterbill b
    JOIN water_waterbillrun r ON r.id = b.run_id
    JOIN water_waterbillingperiod p ON p.id = r.period_id
    WHERE b.run_id = %(run)s AND b.kind = 'bill' AND b.status = 'issued' AND b.total > 0
), pay AS (
    SELECT id AS water_bill_id,
           CASE WHEN u < %(late)s THEN total
                ELSE LEAST(total, GREATEST(round(total * (0.3 + 0.5 * v), 2), 0.01))
           END AS amount,
           LEAST(
               ((CASE WHEN u >= %(window)s AND u < %(late)s
                      THEN due_on + 1 + floor(v * 30)::int
                      ELSE ends_on + 1 + floor(v * GREATEST(due_on - ends_on, 1))::int
                 END)::timestamp
                + interval '9 hours' + floor(v * 1000 * 480)::int %% 480 * interval '1 minute'
               ) AT TIME ZONE %(tz)s,
               %(now)s
           ) AS received_at
    FROM b WHERE u < %(part)s
"""
WATER_PAYMENTS_SQL = _WATER_BILLS_PAID + _NUMBERED_INSERT.format(column="water_bill_id")  # noqa: S608

WATER_PAID_IN_TIME = 0.70
WATER_PAID_LATE = 0.80  # cumulative shares
WATER_PAID_PART = 0.86


def water_bill_payments_make(
    *, cursor, run_id: int, seed: int, now: datetime.datetime, tz: str
) -> int:
    """Payments for the water bills of run ``run_id``; returns how many (the
    same locking and numbering as :func:`bill_payments_make`)."""
    cursor.execute("LOCK TABLE payments_receiptsequence IN SHARE ROW EXCLUSIVE MODE")
    receipt_sequences_reset(cursor=cursor)
    cursor.execute(
        WATER_PAYMENTS_SQL,
        {
            "seed": str(seed),
            "run": run_id,
            "now": now,
            "tz": tz,
            "window": WATER_PAID_IN_TIME,
            "late": WATER_PAID_LATE,
            "part": WATER_PAID_PART,
        },
    )
    return cursor.fetchone()[0]

"""Issuing a quarterly holding-tax run at Khulna scale.

The city: ``city_generate(scale="khulna")`` in a freshly provisioned
municipality (156,052 holdings), whose billing step issues the four
quarters before this one through the real services and pays about 70 % of
the bills (reported: the billing step's time, target 60 s).  Then this
quarter's run is prepared and approved, and issued with ``bill_run_issue``
(the Celery task's service: one transaction per ward, row locks, numbering
from the period's counter, arrears net of payments, exemptions, progress).

Baseline, same run: one bare ``INSERT ... SELECT`` written by hand that
writes the same rows (same columns, same arithmetic, arrears from the
previous bill and its payments) into billing_bill itself for a scratch run,
in a transaction that is rolled back; timed before and after ours (the
faster of the two is the baseline).  A check, not timed, confirms the bare
statement's rows are ours.  Targets: <= 60 s and <= 3x the baseline.

A database of its own (``imis_bench_billissue``, Redis 28), dropped at the end."""

import datetime
import os

from bench.harness import Figure, report, say, stopwatch
from bench.registry_common import PASSWORD, Stack

NAME = "billing_issue"
TIMEOUT_SECONDS = 30 * 60
DB = "imis_bench_billissue"
REDIS_DB = 28
CODE = "benchbill"
HOST = "benchbill.localhost"
TARGET_SECONDS = 60
TARGET_RATIO = 3.0
TARGET_SYNTHETIC_SECONDS = 60

# The bare statement: everything at once, no ward loop, no locks, no
# idempotence guards, no counters.
BARE_SQL = """
INSERT INTO billing_bill (
    run_id, holding_id, number, kind, annual_value, lines, arrears, surcharge,
    rebate, total, due_on, status, issued_at
)
SELECT %(run)s, holding_id, %(prefix)s || lpad(rn::text, 6, '0'), 'bill', annual_value,
       jsonb_build_array(
           jsonb_build_object('code', 'holding_tax', 'amount', ht::text),
           jsonb_build_object('code', 'conservancy', 'amount', co::text),
           jsonb_build_object('code', 'lighting', 'amount', li::text),
           jsonb_build_object('code', 'water', 'amount', wa::text)
       ),
       arrears, round(arrears * surcharge_pct / 100, 2),
       LEAST(round((ht + co + li + wa) * rebate_pct / 100, 2), ht + co + li + wa),
       ht + co + li + wa + arrears + round(arrears * surcharge_pct / 100, 2),
       %(due_on)s, 'issued', now()
FROM (
    SELECT h.id AS holding_id, h.annual_value, r.rebate_pct, r.surcharge_pct,
           row_number() OVER (ORDER BY w.number, h.code) AS rn,
           CASE WHEN prev.id IS NULL OR prev.total <= pp.paid
                     OR (prev.rebate > 0 AND pp.in_time >= prev.total - prev.rebate)
                THEN 0 ELSE prev.total - pp.paid END AS arrears,
           round(CASE WHEN r.exempt OR e.free THEN 0
                 ELSE h.annual_value * r.holding_tax_pct / 400 END, 2) AS ht,
           round(CASE WHEN r.exempt OR e.free THEN 0
                 ELSE h.annual_value * r.conservancy_pct / 400 END, 2) AS co,
           round(CASE WHEN r.exempt OR e.free THEN 0
                 ELSE h.annual_value * r.lighting_pct / 400 END, 2) AS li,
           round(CASE WHEN r.exempt OR e.free THEN 0
                 ELSE h.annual_value * r.water_pct / 400 END, 2) AS wa
    FROM registry_holding h
    JOIN registry_ward w ON w.id = h.ward_id
    JOIN billing_taxrate r ON r.holding_type = h.holding_type
    CROSS JOIN LATERAL (
        SELECT EXISTS (
            SELECT 1 FROM billing_exemption x WHERE x.holding_id = h.id
              AND x.starts_on <= %(ends_on)s AND (x.ends_on IS NULL OR x.ends_on >= %(starts_on)s)
        ) AS free
    ) e
    LEFT JOIN LATERAL (
        SELECT b.id, b.total, b.rebate, b.due_on FROM billing_bill b
        WHERE b.holding_id = h.id AND b.run_id = ANY(%(earlier)s::bigint[])
          AND b.status = 'issued' AND b.kind <> 'cancellation'
        ORDER BY array_position(%(earlier)s::bigint[], b.run_id::bigint), b.id DESC LIMIT 1
    ) prev ON true
    LEFT JOIN LATERAL (
        SELECT COALESCE(sum(amount), 0) AS paid,
               COALESCE(sum(amount) FILTER (WHERE received_at
                   < ((prev.due_on + 1)::timestamp AT TIME ZONE %(tz)s)), 0) AS in_time
        FROM payments_payment WHERE bill_id = prev.id AND status = 'valid'
    ) pp ON true
    WHERE h.status = 'active'
) src
"""

# The same rows?  Ours against the bare statement's (number suffix, not run).
SAME_SQL = """
SELECT count(*) FROM (
    (SELECT holding_id, right(number, 6), annual_value, lines, arrears, surcharge, rebate,
            total, due_on FROM billing_bill WHERE run_id = %(ours)s
     EXCEPT
     SELECT holding_id, right(number, 6), annual_value, lines, arrears, surcharge, rebate,
            total, due_on FROM billing_bill WHERE run_id = %(bare)s)
    UNION ALL
    (SELECT holding_id, right(number, 6), annual_value, lines, arrears, surcharge, rebate,
            total, due_on FROM billing_bill WHERE run_id = %(bare)s
     EXCEPT
     SELECT holding_id, right(number, 6), annual_value, lines, arrears, surcharge, rebate,
            total, due_on FROM billing_bill WHERE run_id = %(ours)s)
) d
"""


class _Rollback(Exception):
    pass


def run() -> None:
    with Stack(DB, REDIS_DB):
        _city()
        _measure()


def _city() -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from backoffice.registry.synthetic import city_generate
    from tenants.services import municipality_create, platform_ensure, template_ensure

    with stopwatch() as took:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        platform_ensure(console_hosts=settings.IMIS_CONSOLE_HOSTS)
        template_ensure()
        municipality = municipality_create(
            actor=None,
            code=CODE,
            name_en="Bench City Corporation",
            name_bn="বেঞ্চ সিটি কর্পোরেশন",
            kind="city_corporation",
            domains=[HOST],
            admin_username="municipal_admin",
            admin_email="admin@benchbill.example.org",
            admin_password=PASSWORD,
        )
    say(f"municipality {CODE} ready in {took[0]:.1f} s")
    connection.set_tenant(municipality)
    for role in ("revenue_chief", "revenue_collector"):
        user = get_user_model().objects.create_user(role, password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
    with stopwatch() as took:
        gen = city_generate(scale="khulna", seed=1)
    step = gen.seconds.get("billing_step", float("nan"))
    say(
        f"Khulna-scale city in {took[0]:.1f} s (billing step {step:.1f} s): "
        + ", ".join(
            f"{k} {v:,}"
            for k, v in gen.counts.items()
            if k.startswith(("billing.", "payments.", "registry.Holding"))
        )
    )
    report(
        Figure(
            NAME,
            "synthetic billing: 4 runs + payments",
            step,
            "s",
            target=TARGET_SYNTHETIC_SECONDS,
            note=f"{gen.counts.get('billing.Bill', 0):,} bills, "
            f"{gen.counts.get('payments.Payment', 0):,} payments",
        )
    )


def _bare(period, *, scratch_year: int) -> float:
    """The bare statement for ``period``'s rows into a scratch run, rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from backoffice.billing.models import BillingPeriod, BillRun

    took = [0.0]
    try:
        with transaction.atomic():
            scratch = BillRun.objects.create(
                period=BillingPeriod.objects.create(
                    year=scratch_year,
                    quarter=1,
                    starts_on=period.starts_on,
                    ends_on=period.ends_on,
                    due_on=period.due_on,
                ),
                state=BillRun.State.ISSUED,
                prepared_at=timezone.now(),
            )
            with connection.cursor() as cursor:
                with stopwatch() as took:
                    cursor.execute(BARE_SQL, _params(period, scratch.pk, "S-"))
                rows = cursor.rowcount
            say(f"bare INSERT ... SELECT: {rows:,} rows in {took[0]:.2f} s")
            raise _Rollback
    except _Rollback:
        pass
    return took[0]


def _params(period, run_id: int, prefix: str) -> dict:
    from django.utils import timezone

    from backoffice.billing.run_selectors import earlier_run_ids

    return {
        "run": run_id,
        "prefix": prefix,
        "earlier": earlier_run_ids(period),
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "due_on": period.due_on,
        "tz": timezone.get_current_timezone_name(),
    }


def _same_rows(period, run_id: int) -> int:
    """Rows that differ between ours and the bare statement's (0 expected)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from backoffice.billing.models import BillingPeriod, BillRun

    try:
        with transaction.atomic():
            scratch = BillRun.objects.create(
                period=BillingPeriod.objects.create(
                    year=9998,
                    quarter=1,
                    starts_on=period.starts_on,
                    ends_on=period.ends_on,
                    due_on=period.due_on,
                ),
                state=BillRun.State.ISSUED,
                prepared_at=timezone.now(),
            )
            with connection.cursor() as cursor:
                cursor.execute(BARE_SQL, _params(period, scratch.pk, "S-"))
                cursor.execute(SAME_SQL, {"ours": run_id, "bare": scratch.pk})
                differ = cursor.fetchone()[0]
            raise _Rollback
    except _Rollback:
        pass
    return differ


def _measure() -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from backoffice.billing import services
    from backoffice.billing.models import BillingPeriod
    from backoffice.billing.synthetic import _time_zone

    users = get_user_model().objects
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    starts_on = datetime.date(today.year, 3 * quarter - 2, 1)
    after = (
        datetime.date(today.year + 1, 1, 1)
        if quarter == 4
        else datetime.date(today.year, 3 * quarter + 1, 1)
    )
    ends_on = after - datetime.timedelta(days=1)
    with timezone.override(_time_zone()):
        period = BillingPeriod.objects.create(
            year=today.year, quarter=quarter, starts_on=starts_on, ends_on=ends_on, due_on=ends_on
        )
        with stopwatch() as took:
            run = services.bill_run_prepare(
                actor=users.get(username="revenue_collector"), period=period
            )
        say(f"prepared {run.holding_count:,} holdings in {took[0]:.1f} s")
        run = services.bill_run_approve(actor=users.get(username="revenue_chief"), run=run)
        before = _bare(period, scratch_year=9990)
        with stopwatch() as took:
            run = services.bill_run_issue(run_id=run.pk)
        ours = took[0]
        say(f"bill_run_issue: {run.bill_count:,} bills in {ours:.2f} s ({run.state})")
        after_s = _bare(period, scratch_year=9991)
        differ = _same_rows(period, run.pk)
    say(f"rows that differ between ours and the bare statement's: {differ}")
    if differ:
        raise RuntimeError(f"{differ} rows differ from the bare statement's")
    base = min(before, after_s)
    note = f"{run.bill_count:,} bills; load average {os.getloadavg()[0]:.1f}"
    report(Figure(NAME, "issue a quarterly run", ours, "s", target=TARGET_SECONDS, note=note))
    report(
        Figure(
            NAME,
            "issue vs bare INSERT ... SELECT",
            ours,
            "s",
            base,
            f"bare INSERT ... SELECT, {before:.1f}/{after_s:.1f} s",
            TARGET_RATIO,
            "ratio",
            "lower",
        )
    )

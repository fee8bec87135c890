"""The FSM manager's lists at Khulna scale: the due-for-emptying list and
the inbox (counts per state with SLA colours, and its first page).

The city: ``city_generate(scale="khulna")`` in a freshly provisioned
municipality (156,052 buildings, 67,330 containments, a year of about
5,400 emptying applications in every state).

Baseline, same run: the equivalent raw SQL on a plain psycopg connection,
written by hand (the same rows and figures each page shows, one statement
per thing shown), timed in alternating rounds with what it is compared to;
medians.

Targets: the data layer (the selectors and querysets the views build,
evaluated to model instances) within 1.3 times the raw SQL, and at most
``MAX_QUERIES`` SQL statements per page (counted on a warm request).  The
whole page through the stack (Django test client on the municipality's
host: tenant middleware, session, role check, the view, the template) is
reported against the same raw SQL for information: at this size a page's
time is mostly its template, not its database.

Everything happens in a database of its own (``imis_bench_fsm``) with
Redis database 18; both are dropped at the end."""

import datetime
import time

from bench import harness
from bench.harness import Figure, median, report, say, stopwatch

NAME = "fsm_lists"
TIMEOUT_SECONDS = 20 * 60
BENCH_DB = "imis_bench_fsm"
BENCH_REDIS_DB = 18
CODE = "benchfsm"
HOST = "benchfsm.localhost"
PASSWORD = "bench-Fsm-Passw0rd"
ROUNDS = 30
WARMUP = 3
TARGET_RATIO = 1.3
MAX_QUERIES = 12  # per page: session, user, roles, the page's own reads
PAGE = 50


def run() -> None:
    harness.in_own_database(BENCH_DB, BENCH_REDIS_DB, _measure)


def _prepare():
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
            admin_email="admin@benchfsm.example.org",
            admin_password=PASSWORD,
        )
    say(f"municipality {CODE} ready in {took[0]:.1f} s")
    connection.set_tenant(municipality)
    user = get_user_model().objects.create_user("fsm_manager", password=PASSWORD)
    user.groups.add(Group.objects.get(name="fsm_manager"))
    with stopwatch() as took:
        gen = city_generate(scale="khulna", seed=1)
    say(
        f"Khulna-scale city in {took[0]:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in gen.counts.items() if k.startswith("fsm."))
    )
    return municipality, user


def _raw(municipality):
    """A plain psycopg connection on the municipality's schema (no Django)."""
    conn = harness.admin_connect(BENCH_DB)
    # Plans for the actual values, as Django's client-side binding gets them
    # (psycopg would otherwise prepare after 5 runs and may keep a generic plan).
    conn.prepare_threshold = None
    conn.execute(f'SET search_path = "{municipality.schema_name}", public')
    return conn


# --- The equivalent raw SQL -----------------------------------------------------

DUE_SQL = """
SELECT c.id, c.code, t.code, t.name_en, t.name_bn, c.volume_m3, c.last_emptied_on,
       c.times_emptied, c.next_due_on,
       (SELECT b.bin FROM fsm_containmentbuilding cb JOIN registry_building b
          ON b.id = cb.building_id WHERE cb.containment_id = c.id
          ORDER BY cb.responsible DESC, b.bin LIMIT 1),
       (SELECT w.number FROM fsm_containmentbuilding cb JOIN registry_building b
          ON b.id = cb.building_id JOIN registry_ward w ON w.id = b.ward_id
          WHERE cb.containment_id = c.id ORDER BY cb.responsible DESC, b.bin LIMIT 1)
FROM fsm_containment c JOIN fsm_containmenttype t ON t.id = c.containment_type_id
WHERE c.next_due_on <= %(until)s {ward}
ORDER BY c.next_due_on, c.code LIMIT %(limit)s
"""
DUE_WARD = """AND EXISTS (SELECT 1 FROM fsm_containmentbuilding cb JOIN registry_building b
  ON b.id = cb.building_id WHERE cb.containment_id = c.id AND b.ward_id = %(ward)s)"""
WARDS_SQL = "SELECT id, number, name_en, name_bn FROM registry_ward ORDER BY number"
COUNTS_SQL = """
SELECT state, count(*),
       count(*) FILTER (WHERE {overdue}),
       count(*) FILTER (WHERE {soon})
FROM fsm_emptyingapplication GROUP BY state
"""
INBOX_PAGE_SQL = """
SELECT a.*, h.code, b.bin, p.name
FROM fsm_emptyingapplication a
LEFT JOIN registry_holding h ON h.id = a.holding_id
LEFT JOIN registry_building b ON b.id = a.building_id
LEFT JOIN fsm_serviceprovider p ON p.id = a.provider_id
WHERE a.state = ANY(%(states)s) ORDER BY a.reference LIMIT %(limit)s
"""


def _sla_conditions(hours: dict, now) -> tuple[str, str, dict]:
    """The overdue and due-soon conditions (state by state), with parameters."""
    from backoffice.fsm import sla, workflow

    overdue, soon, params = [], [], {}
    for i, (state, allowed) in enumerate(sorted(hours.items())):
        if allowed is None or state in workflow.FINAL_STATES:
            continue
        params[f"s{i}"] = state
        params[f"late{i}"] = now - datetime.timedelta(hours=allowed)
        params[f"soon{i}"] = now - datetime.timedelta(hours=allowed * (1 - sla.DUE_SOON_FRACTION))
        overdue.append(f"(state = %(s{i})s AND state_changed_at < %(late{i})s)")
        soon.append(
            f"(state = %(s{i})s AND state_changed_at >= %(late{i})s"
            f" AND state_changed_at <= %(soon{i})s)"
        )
    return " OR ".join(overdue), " OR ".join(soon), params


def _raw_due(conn, *, until, ward_id=None) -> int:
    params = {"until": until, "limit": PAGE + 1, "ward": ward_id}
    query = DUE_SQL.format(ward=DUE_WARD if ward_id else "")
    rows = conn.execute(query, params).fetchall()
    conn.execute(WARDS_SQL).fetchall()
    return len(rows)


def _raw_counts(conn, *, hours) -> list:
    now = datetime.datetime.now(datetime.UTC)
    overdue, soon, params = _sla_conditions(hours, now)
    return conn.execute(COUNTS_SQL.format(overdue=overdue, soon=soon), params).fetchall()


def _raw_inbox(conn, *, hours, open_states) -> int:
    counts = _raw_counts(conn, hours=hours)
    rows = conn.execute(INBOX_PAGE_SQL, {"states": list(open_states), "limit": PAGE + 1})
    return len(counts) + len(rows.fetchall())


# --- Measuring -------------------------------------------------------------------


def _page(client, path: str) -> tuple[float, int, int]:
    """One GET: seconds, SQL statements, body size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.set_schema_to_public()  # as a request starts
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return seconds, len(queries), len(response.content)


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _alternate(ours, baseline) -> tuple[list[float], list[float]]:
    for _ in range(WARMUP):
        ours()
        baseline()
    a, b = [], []
    for _ in range(ROUNDS):
        b.append(_timed(baseline))
        a.append(_timed(ours))
    return a, b


def _measure() -> None:
    from django.db import connection
    from django.test import Client

    from backoffice.fsm import selectors, sla
    from backoffice.fsm.views.inbox import OPEN_STATES
    from backoffice.registry.models import Ward
    from backoffice.registry.selectors import ward_list

    municipality, user = _prepare()
    today = sla.municipality_today()
    hours = sla.sla_hours()
    ward = Ward.objects.get(number=5)
    due_count = selectors.containments_due(within_days=30).count()
    say(f"{due_count:,} containments due within 30 days (today {today})")
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    raw = _raw(municipality)
    until = today + datetime.timedelta(days=30)

    pages = [
        ("due for emptying, 30 days", "/staff/fsm/due/?days=30",
         lambda: _raw_due(raw, until=until)),
        ("due for emptying, ward 5", f"/staff/fsm/due/?days=30&ward={ward.number}",
         lambda: _raw_due(raw, until=until, ward_id=ward.pk)),
        ("manager's inbox (counts + page)", "/staff/fsm/inbox/",
         lambda: _raw_inbox(raw, hours=hours, open_states=OPEN_STATES)),
    ]  # fmt: skip
    for label, path, baseline in pages:
        _page(client, path)  # the first request fills the per-process caches
        seconds, queries, size = _page(client, path)
        say(f"{label}: {queries} SQL statements, {size:,} bytes")
        ours, base = _alternate(lambda p=path: _page(client, p), baseline)
        report(
            Figure(NAME, f"{label}, page", median(ours) * 1000, "ms", median(base) * 1000,
                   "raw SQL of the same rows", None, "ratio", "lower",
                   note="whole request and template; for information")
        )  # fmt: skip
        report(
            Figure(NAME, f"{label}, SQL statements", queries, "queries", None, "",
                   MAX_QUERIES, "value", "lower")
        )  # fmt: skip

    # The data layer alone: what the views build, evaluated to model instances.
    connection.set_tenant(municipality)

    def due_data(ward_obj=None):
        # What the due list view reads: the page (one statement) and the wards.
        rows = selectors.containments_due_page(within_days=30, ward=ward_obj, limit=PAGE + 1)
        list(ward_list(actor=None))  # the view's ward picker (numbers and names only)
        return len(rows)

    def inbox_data():
        counts = selectors.inbox_counts()
        rows = list(
            selectors.EmptyingApplication.objects.filter(state__in=OPEN_STATES)
            .select_related("holding", "building", "provider")
            .order_by("reference")[: PAGE + 1]
        )
        return len(counts) + len(rows)

    data = [
        ("due for emptying, 30 days", due_data, lambda: _raw_due(raw, until=until)),
        ("due for emptying, ward 5", lambda: due_data(ward),
         lambda: _raw_due(raw, until=until, ward_id=ward.pk)),
        ("inbox counts + page", inbox_data,
         lambda: _raw_inbox(raw, hours=hours, open_states=OPEN_STATES)),
    ]  # fmt: skip
    for label, ours_fn, baseline in data:
        ours, base = _alternate(ours_fn, baseline)
        # The targets: the due list and the inbox counts (below); the
        # inbox's first page (model instances for the template) is information.
        target = None if label.startswith("inbox") else TARGET_RATIO
        report(
            Figure(NAME, f"{label}, selectors", median(ours) * 1000, "ms", median(base) * 1000,
                   "raw SQL of the same rows", target, "ratio", "lower")
        )  # fmt: skip
    inbox_counts_only = _alternate(selectors.inbox_counts, lambda: _raw_counts(raw, hours=hours))
    report(
        Figure(NAME, "inbox counts, selector", median(inbox_counts_only[0]) * 1000, "ms",
               median(inbox_counts_only[1]) * 1000, "raw SQL GROUP BY state", TARGET_RATIO,
               "ratio", "lower")
    )  # fmt: skip
    raw.close()
    connection.set_schema_to_public()

"""Provisioning a municipality by cloning the template schema.

Measured: our real service ``tenants.services.municipality_create``
(register, clone ``imis_template``, Wagtail site and home pages, roles,
first admin, ready), once for each of 50 municipalities in a row.
Baseline, same run: the same registration and steps on a schema made by
running every migration (django-tenants' ``create_schema`` with
TENANT_CREATION_FAKES_MIGRATIONS off), for 2 municipalities.

Clone time grows with the number of schemas in the database, so the
projection for 400 municipalities sums a straight line fitted to the 50
times against the schema count, rather than multiplying the mean.

Everything happens in a database of its own (``imis_bench``, on the local
cluster) with Redis database 15 for cache and broker; both are dropped at
the end, also on failure or when the runner stops the benchmark."""

from bench import harness
from bench.harness import Figure, mean, percentile, report, say, stopwatch

NAME = "provisioning"
TIMEOUT_SECONDS = 30 * 60
BENCH_DB = "imis_bench"
BENCH_REDIS_DB = 15
CLONES = 50
BASELINES = 2
PROJECT_TO = 400
TARGET_SECONDS = 5.0
TARGET_PROJECTION_MINUTES = 15.0
ADMIN_PASSWORD = "bench-Admin-Passw0rd"


def run() -> None:
    harness.in_own_database(BENCH_DB, BENCH_REDIS_DB, _measure)


# --- Measuring ---------------------------------------------------------------


def _spec(code: str, number: int) -> dict:
    host = code.replace("_", "-")  # codes may have "_", host names may not
    return {
        "code": code,
        "name_en": f"Bench Paurashava {number}",
        "name_bn": f"বেঞ্চ পৌরসভা {number}",
        "kind": "paurashava",
        "domains": [f"{host}.bench.localhost"],
        "admin_username": "municipal_admin",
        "admin_email": f"admin@{host}.example.org",
    }


def _measure() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from tenants.services import municipality_create, platform_ensure, template_ensure

    say(f"preparing {BENCH_DB}: shared migrations, platform row, template schema")
    with stopwatch() as took:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        platform_ensure(console_hosts=settings.IMIS_CONSOLE_HOSTS)
        template_ensure()
    empty = _schema_count()
    say(
        f"ready in {took[0]:.1f} s ({empty} schemas: no municipality yet;"
        f" the template has {_relation_count(settings.TENANT_BASE_SCHEMA)} relations)"
    )

    baseline: list[float] = []
    for number in range(1, BASELINES + 1):
        with stopwatch() as took:
            municipality = _create_by_migrations(**_spec(f"benchmig{number}", number))
        _verify(municipality)
        baseline.append(took[0])
        say(f"baseline {number}/{BASELINES}: all migrations + steps {took[0]:.2f} s")

    samples: list[tuple[int, float]] = []  # (schemas before, seconds)
    for number in range(1, CLONES + 1):
        before = _schema_count()
        with stopwatch() as took:
            municipality = municipality_create(
                actor=None, admin_password=ADMIN_PASSWORD, **_spec(f"bench{number:03d}", number)
            )
        if number == 1:
            _verify(municipality)
        samples.append((before, took[0]))
        if number == 1 or number % 10 == 0:
            say(f"clone {number}/{CLONES}: {took[0]:.2f} s ({before} schemas before)")

    # The same service once more, on a new database session: how much of the
    # growth is the catalog's size and how much the session's own state.
    from django.db import connection

    connection.close()
    number = CLONES + 1
    with stopwatch() as took:
        municipality_create(
            actor=None, admin_password=ADMIN_PASSWORD, **_spec(f"bench{number:03d}", number)
        )
    say(f"clone {number} on a new database session: {took[0]:.2f} s")

    _report(baseline, samples, empty)
    report(
        Figure(
            NAME,
            "clone on a new DB session",
            took[0],
            "s",
            mean([t for _, t in samples[-10:]]),
            "last 10, one session",
            note="info: same catalog, fresh backend",
        )
    )


def _report(baseline: list[float], samples: list[tuple[int, float]], empty: int) -> None:
    times = [seconds for _, seconds in samples]
    base = mean(baseline)
    base_label = f"all migrations, mean of {len(baseline)}"

    def per_clone(name: str, value: float) -> None:
        report(Figure(NAME, name, value, "s", base, base_label, TARGET_SECONDS, "value", "lower"))

    per_clone("clone, 1st", times[0])
    per_clone(f"clone, mean of {len(times)}", mean(times))
    per_clone(f"clone, p95 of {len(times)}", percentile(times, 95))
    per_clone("clone, mean of last 10", mean(times[-10:]))

    # The first clone in a process also pays one-off costs (imports, Wagtail's
    # caches): fit the growth on the others.  A fitted decline is noise, not a
    # property of PostgreSQL: project with no growth then.
    fitted = samples[1:]
    a, b, r2 = harness.linear_fit([s for s, _ in fitted], [t for _, t in fitted])
    say(
        f"fit on clones 2..{len(samples)}: seconds = {a:.3f} + {b * 1000:.2f} ms x schemas"
        f" (R^2 {r2:.2f}; {fitted[0][0]}..{fitted[-1][0]} schemas measured)"
    )
    if b < 0:
        a, b = mean([t for _, t in fitted]), 0.0
        say("fitted slope is negative: projecting the mean, with no growth")
    # The k-th municipality of PROJECT_TO is cloned with empty + k - 1 schemas present.
    last = a + b * (empty + PROJECT_TO - 1)
    total = sum(a + b * (empty + k) for k in range(PROJECT_TO))
    per_clone(f"clone, {PROJECT_TO}th (fitted)", last)
    report(
        Figure(
            NAME,
            f"{PROJECT_TO} municipalities (fitted)",
            total / 60,
            "min",
            PROJECT_TO * base / 60,
            f"{PROJECT_TO} x baseline mean",
            TARGET_PROJECTION_MINUTES,
            "value",
            "lower",
        )
    )


def _create_by_migrations(*, admin_username: str, admin_email: str, **fields):
    """``municipality_create`` with the schema made by running every migration."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.test import override_settings
    from django.utils import timezone

    from tenants.audit.services import audit_event_record
    from tenants.provisioning import ProvisioningRequest, provisioning_steps
    from tenants.services import municipality_register

    municipality = municipality_register(actor=None, **fields)
    request = ProvisioningRequest(admin_username, admin_email, make_password(ADMIN_PASSWORD))
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        municipality.create_schema(check_if_exists=True, verbosity=0)
    with transaction.atomic():
        connection.set_tenant(municipality)
        try:
            for step in provisioning_steps():
                step(municipality, request=request)
        finally:
            connection.set_schema_to_public()
        municipality.ready = True
        municipality.ready_at = timezone.now()
        municipality.save(update_fields=["ready", "ready_at"])
        audit_event_record(actor=None, action="municipality.ready", obj=municipality)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE pg_catalog.pg_namespace")
    return municipality


def _verify(municipality) -> None:
    """Both ways must give the same municipality, or the comparison is void."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_tenants.utils import schema_context
    from wagtail.models import Site

    from citizen.models import HomePage
    from tenants.roles import ROLES

    municipality.refresh_from_db()
    with schema_context(municipality.schema_name):
        problems = []
        if not municipality.ready:
            problems.append("not ready")
        if Site.objects.filter(is_default_site=True).count() != 1:
            problems.append("no single default Site")
        if HomePage.objects.count() != 2:
            problems.append("not two home pages (en, bn)")
        if Group.objects.filter(name__in=[r.slug for r in ROLES]).count() != len(ROLES):
            problems.append("role groups missing")
        admin = get_user_model().objects.filter(username="municipal_admin").first()
        if admin is None or not admin.groups.filter(name="municipal_admin").exists():
            problems.append("first admin missing")
    if problems:
        raise RuntimeError(f"{municipality.code}: {', '.join(problems)}")


def _schema_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_namespace"
            " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        )
        return cursor.fetchone()[0]


def _relation_count(schema: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s",
            [schema],
        )
        return cursor.fetchone()[0]

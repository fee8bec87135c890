"""The synthetic city generator at Khulna scale (156,052 buildings and
holdings, their owners and links, wards, roads, drains, water).

Measured: ``backoffice.registry.synthetic.city_generate`` in a freshly
provisioned municipality: wall time (plan, ids and BINs from the
sequences, rendering, COPY, deferred foreign keys, ANALYZE, commit) and
rows per second.  Baseline, same run: the database's share alone, a bare
COPY of the very same rows (rendered text kept in memory during the
measured run) into the same tables of a second fresh municipality, in one
transaction with its commit (the deferred foreign keys are checked there).
The ratio is what generating costs on top of loading.

Everything happens in a database of its own (``imis_bench_registry``, on
the local cluster) with Redis database 14; both are dropped at the end,
also on failure or when the runner stops the benchmark."""

from bench import harness
from bench.harness import Figure, report, say, stopwatch

NAME = "registry_generator"
TIMEOUT_SECONDS = 20 * 60
BENCH_DB = "imis_bench_registry"
BENCH_REDIS_DB = 14
SCALE = "khulna"
TARGET_SECONDS = 180.0
NOT_COPIED = ("backoffice.billing.", "backoffice.water.")
ADMIN_PASSWORD = "bench-Admin-Passw0rd"


def run() -> None:
    harness.in_own_database(BENCH_DB, BENCH_REDIS_DB, _measure)


# --- Measuring ---------------------------------------------------------------


def _municipality(code: str):
    from tenants.services import municipality_create

    host = code.replace("_", "-")  # codes may have "_", host names may not
    return municipality_create(
        actor=None,
        code=code,
        name_en=f"Bench {code}",
        name_bn=f"বেঞ্চ {code}",
        kind="city_corporation",
        domains=[f"{host}.bench.localhost"],
        admin_username="municipal_admin",
        admin_email=f"admin@{host}.example.org",
        admin_password=ADMIN_PASSWORD,
    )


def _measure() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from backoffice.registry.synthetic import SCALES, city_generate
    from tenants.services import platform_ensure, template_ensure

    scale = SCALES[SCALE]
    say(f"preparing {BENCH_DB}: shared migrations, template, two municipalities")
    with stopwatch() as took:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        platform_ensure(console_hosts=settings.IMIS_CONSOLE_HOSTS)
        template_ensure()
        generated, copied = _municipality("benchgen"), _municipality("benchcopy")
    say(f"ready in {took[0]:.1f} s")

    capture: dict = {}
    say(f"generating a {SCALE} city ({scale.buildings:,} buildings) in {generated.code}")
    # The bare-COPY baseline replays what the generator COPYed: the billing
    # and water steps make their tariffs and runs through services, so they
    # are left out here (bench billing_issue times the billing step).
    from django.test import override_settings

    steps = [s for s in settings.IMIS_SYNTHETIC_STEPS if not s.startswith(NOT_COPIED)]
    with (
        override_settings(IMIS_SYNTHETIC_STEPS=steps),
        schema_context(generated.schema_name),
        stopwatch() as took,
    ):
        gen = city_generate(scale=scale, seed=1, capture=capture)
    seconds = took[0]
    rows = sum(gen.counts.values())
    _verify(generated, scale)
    say(
        "steps: "
        + ", ".join(f"{name} {s:.1f} s" for name, s in gen.seconds.items() if name != "total")
    )
    say(", ".join(f"{label} {count:,}" for label, count in gen.counts.items()))

    say(f"baseline: a bare COPY of the same {rows:,} rows into {copied.code}")
    with schema_context(copied.schema_name), stopwatch() as took:
        copied_rows = _copy_bare(capture)
    baseline = took[0]
    if copied_rows != rows:
        raise RuntimeError(f"the baseline loaded {copied_rows} rows, not {rows}")

    label = "bare COPY of the same rows"
    report(Figure(NAME, f"{SCALE} scale, wall time", seconds, "s", baseline, label, TARGET_SECONDS))
    report(
        Figure(
            NAME,
            f"{SCALE} scale, rows/s",
            rows / seconds,
            "rows/s",
            rows / baseline,
            label,
            better="higher",
            note=f"{rows:,} rows",
        )
    )


def _copy_bare(capture: dict) -> int:
    """The captured COPY text, table by table, in one transaction."""
    from django.db import connection, transaction

    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement, chunks in capture.values():
            with cursor.copy(statement) as copy:
                for chunk in chunks:
                    copy.write(chunk)
            count += cursor.rowcount
    return count


def _verify(municipality, scale) -> None:
    from django_tenants.utils import schema_context

    from backoffice.registry.models import Building, Holding

    with schema_context(municipality.schema_name):
        counts = (Building.objects.count(), Holding.objects.count())
    if counts != (scale.buildings, scale.buildings):
        raise RuntimeError(f"expected {scale.buildings} buildings and holdings, got {counts}")

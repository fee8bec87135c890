"""Import of a Khulna-scale buildings GeoPackage through our importer.

Measured: ``import_job_create`` + ``import_job_run`` (what the Celery task
runs): store the upload, unpack, check the driver, stage with ogr2ogr,
check every row in SQL (geometry validity and repair, reprojection, ward,
duplicates), insert the 156,052 buildings with their BINs (each naming
its import) and the import's history record, rebuild the indexes, in one
transaction.  The ANALYZE task the commit queues is timed apart (printed).
Baseline, same run: ``ogr2ogr -f PostgreSQL`` of the same file into a
scratch table (its defaults: COPY, spatial index).  Alternating rounds, mean of each;
a checkpoint before each timed run.

A database of its own (``imis_bench_regimp``), dropped at the end."""

import time

from bench.harness import Figure, mean, report, say, stopwatch
from bench.registry_common import BUILDINGS, Stack, buildings_gpkg, municipality_make

NAME = "registry_import"
TIMEOUT_SECONDS = 25 * 60
DB = "imis_bench_regimp"
REDIS_DB = 13
ROUNDS = 2
TARGET_RATIO = 2.0
SCRATCH = "bench_scratch"


def run() -> None:
    with Stack(DB, REDIS_DB) as stack:
        _, user = municipality_make()
        with stopwatch() as took:
            path = buildings_gpkg(stack.tmp / "buildings.gpkg")
        size = path.stat().st_size / 1024 / 1024
        say(f"{BUILDINGS:,} buildings written to a {size:.0f} MB GeoPackage in {took[0]:.1f} s")
        baseline, like, ours = [], [], []
        for number in range(1, ROUNDS + 1):
            baseline.append(_baseline(path))
            like.append(_baseline_like(path))
            ours.append(_ours(path, user))
            say(
                f"round {number}: ogr2ogr {baseline[-1]:.2f} s, ogr2ogr into a copy of"
                f" registry_building {like[-1]:.2f} s, our import {ours[-1]:.2f} s"
            )
        report(
            Figure(
                NAME,
                f"import {BUILDINGS:,} buildings (GPKG)",
                mean(ours),
                "s",
                mean(baseline),
                "ogr2ogr -f PostgreSQL, same file",
                TARGET_RATIO,
                "ratio",
                "lower",
            )
        )
        report(
            Figure(
                NAME,
                f"import {BUILDINGS:,} buildings (GPKG)",
                mean(ours),
                "s",
                mean(like),
                "ogr2ogr -append into a copy of registry_building (its indexes)",
                None,
                "ratio",
                "lower",
                note="information: the same indexes, no checks, history or foreign keys",
            )
        )


def _settle() -> None:
    """A checkpoint before each timed run, so none of them pays for writing
    out what the run before it left in memory (the rounds alternate)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _baseline_like(path) -> float:
    """ogr2ogr into a table with registry_building's columns and indexes
    (CREATE TABLE ... LIKE ... INCLUDING ALL), COPY, attributes mapped."""
    from django.db import connection

    from bench.registry_common import ogr2ogr_timed

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCRATCH}")
        cursor.execute(
            f"CREATE TABLE {SCRATCH}.buildings_like"
            f" (LIKE {connection.schema_name}.registry_building INCLUDING ALL)"
        )
    mapping = (
        "SELECT 'X-' || fid AS bin, geom AS footprint, 1 AS ward_id, house_no AS house_number,"
        " floors, structure AS structure_type, use, households, population,"
        " '' AS water_source, '' AS sanitation_system, CAST(low_income AS boolean) AS low_income,"
        " 'active' AS status, datetime('now') AS created_at, datetime('now') AS updated_at"
        " FROM buildings"
    )
    _settle()
    try:
        return ogr2ogr_timed(
            ["--config", "PG_USE_COPY", "YES", "-append", "-f", "PostgreSQL", "{PG}",
             str(path), "-doo", f"SCHEMAS={SCRATCH}", "-dialect", "SQLite", "-sql", mapping,
             "-nln", f"{SCRATCH}.buildings_like"]
        )  # fmt: skip
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")


def _baseline(path) -> float:
    from django.db import connection

    from bench.registry_common import ogr2ogr_timed

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCRATCH}")
    _settle()
    try:
        return ogr2ogr_timed(
            ["-f", "PostgreSQL", "{PG}", str(path), "-nln", "buildings_baseline",
             "-lco", f"SCHEMA={SCRATCH}", "-doo", f"SCHEMAS={SCRATCH}"]
        )  # fmt: skip
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")


def _ours(path, user) -> float:
    from django.core.files import File

    from backoffice.registry.importing import services
    from backoffice.registry.importing.models import ImportJob
    from bench.registry_common import registry_empty

    registry_empty()
    stages: list[tuple[str, float]] = []
    original = services._progress

    def timed(job, percent, stage, **fields):
        stages.append((stage, time.perf_counter()))
        return original(job, percent, stage, **fields)

    statements: list[tuple[float, str]] = []
    execute = services._execute

    def timed_execute(statement):
        started = time.perf_counter()
        try:
            return execute(statement)
        finally:
            took = time.perf_counter() - started
            if took > 0.05:
                text = statement if isinstance(statement, str) else repr(statement)
                statements.append((took, " ".join(text.split())[:60]))

    # The statistics refresh after a bulk load is a task of its own, queued
    # when the import commits (a worker runs it later); eager Celery would run
    # it inside the import here, so it is held and timed on its own below.
    held: list[str] = []
    queue = services._analyze_queue
    services._analyze_queue = held.append
    services._progress = timed
    services._execute = timed_execute
    _settle()
    try:
        with stopwatch() as took, open(path, "rb") as handle:
            job = services.import_job_create(
                actor=user, kind="buildings", upload=File(handle, name="buildings.gpkg")
            )
            job = services.import_job_run(job_id=job.pk)
        end = time.perf_counter()
    finally:
        services._progress = original
        services._execute = execute
        services._analyze_queue = queue
    with stopwatch() as analyze:
        for kind in held:
            services.import_statistics_refresh(kind=kind)
    if job.status != ImportJob.Status.DONE or job.imported_rows != BUILDINGS:
        raise RuntimeError(f"import did not finish as expected: {job.status} {job.error}")
    if job.repaired_rows != BUILDINGS // 200:
        raise RuntimeError(
            f"expected {BUILDINGS // 200} repaired footprints, got {job.repaired_rows}"
        )
    marks = stages + [("end", end)]
    say(
        "  phases: "
        + ", ".join(
            f"{a} {b_t - a_t:.2f}s" for (a, a_t), (_b, b_t) in zip(marks, marks[1:], strict=False)
        )
    )
    say("  statements over 50 ms: " + "; ".join(f"{t:.2f}s {text}" for t, text in statements))
    say(f"  then the statistics task (ANALYZE, queued at the commit): {analyze[0]:.2f} s")
    return took[0]

"""Imports into the registry: create a job from an upload, and run it.

Running a job (in a Celery worker, see tasks.py):

1. unpack the upload into a private temporary folder (safety.py), open it
   read-only and check GDAL reads it with the driver its name calls for;
2. work out the coordinate system (the file's EPSG code, else the one the
   user stated, else EPSG:4326 for CSV/Excel; otherwise refuse the file);
3. stage it with ogr2ogr into ``<schema>.registry_import_stage_<id>``
   (every attribute as text);
4. check every row with set-based SQL (checks.py) into
   ``registry_import_check_<id>``: typed values, geometry repaired and
   reprojected to EPSG:4326, inside a ward, duplicates in the file and
   against the register, holding codes by backoffice.registry.codes;
5. write the rejected rows with their reasons to a CSV report;
6. if nothing was rejected, or the user accepted the valid rows, insert
   them in ONE transaction (writers.py) together with their history, an
   audit event and the job's final status; otherwise nothing is written.

A killed run leaves its staging tables behind and no registry rows (the
insert is one transaction, committed with the job's "done" status).  The
next run of any import in the municipality drops the staging tables of
jobs that are not running, and a re-delivered task starts its job again.

BINs: a file's BIN is kept when it has this municipality's form (prefix
and digits, as bin_format writes them) and is new; the BIN sequence is then
moved past it, never back.  Rows without a BIN get the next numbers of the
sequence, formatted as services.bin_allocate does.
"""

import logging
import shutil
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg import sql

from backoffice.registry.importing import checks, ogr, pipeline, safety, writers
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.report import rejected_report_write
from backoffice.registry.importing.schema import IMPORT_ROLES, KINDS
from backoffice.registry.importing.staging import bulk_foreign_keys_drop as _bulk_foreign_keys_drop
from backoffice.registry.importing.staging import bulk_indexes_drop as _bulk_indexes_drop
from backoffice.registry.importing.staging import bulk_keys_drop as _bulk_keys_drop
from backoffice.registry.importing.staging import (
    constraints_validate,
    holding_codes_stage,
    job_table_names,
    staging_tables_sweep,
)
from backoffice.registry.importing.staging import execute as _execute
from backoffice.registry.importing.staging import staged_columns as _staged_columns
from backoffice.registry.importing.staging import staging_table_names as _tables
from backoffice.registry.importing.staging import staging_tables_drop as _drop_tables
from backoffice.registry.importing.ward_grid import ward_grid_build
from backoffice.registry.layers import layers_changed_by_import
from backoffice.registry.services import registry_config_get
from tenants.audit.services import audit_event_record
from tenants.connections import own_connection
from tenants.permissions import user_roles

log = logging.getLogger(__name__)

_LOCK_CLASS = "registry_import"
# A job still "running" after this long has lost its worker for good.


def import_kinds_for(user) -> list[str]:
    roles = user_roles(user)
    return [kind for kind, allowed in IMPORT_ROLES.items() if roles & allowed]


def import_job_create(
    *,
    actor,
    kind: str,
    upload,
    accept_valid_rows: bool = False,
    source_srid: int | None = None,
) -> ImportJob:
    """Store the upload (private storage) and queue the import."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown kind of import."))
    if kind not in import_kinds_for(actor):
        raise PermissionDenied
    suffix = safety.upload_check(name=upload.name, size=upload.size)
    if suffix == ".zip":  # refuse a bad archive now, from its directory alone
        upload.seek(0)
        with safety.zip_open(upload) as archive:
            safety.archive_check(archive)
        upload.seek(0)
    elif suffix == ".xlsx":
        upload.seek(0)
        with safety.zip_open(upload) as archive:
            safety.spreadsheet_check(archive)
        upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            original_name=Path(upload.name).name[:255],
            accept_valid_rows=accept_valid_rows,
            source_srid=source_srid,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            actor=actor,
            actor_username=getattr(actor, "username", "") or "",
        )
        job.source.save(f"upload{suffix}", upload, save=False)
        job.full_clean()
        job.save()
        audit_event_record(
            actor=actor,
            action="registry.import.queued",
            obj=job,
            data={"kind": kind, "file": job.original_name},
        )
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(job_id: int) -> None:
    from backoffice.registry.importing.tasks import import_job_run_task

    import_job_run_task.delay(job_id)


# --- running ----------------------------------------------------------------


def _progress(job: ImportJob, percent: int, stage: str, **fields) -> None:
    """A short transaction of its own, so the status page sees it at once."""
    job.progress, job.stage = percent, stage
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage, **fields)


@contextmanager
def _job_lock(job_id: int):
    """A session advisory lock per (schema, job): two workers never run one job."""
    key = zlib.crc32(f"{_LOCK_CLASS}:{connection.schema_name}".encode()) - 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, job_id])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, job_id])


MAX_ATTEMPTS = 3


def import_job_run(*, job_id: int) -> ImportJob:
    """Run one job.  Idempotent: a finished job is left as it is; a job left
    "running" by a killed worker is run again from the start."""
    job = ImportJob.objects.get(pk=job_id)
    if job.finished:
        return job
    with _job_lock(job.pk) as acquired, translation.override(job.language):
        if not acquired:
            log.info("import %s is being run by another worker", job.pk)
            return job
        job.refresh_from_db()
        if job.finished:
            return job
        # A file that kills the worker must not be re-delivered forever.
        ImportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
        job.refresh_from_db()
        if job.attempts > MAX_ATTEMPTS:
            _fail(
                job,
                _("The import stopped the server %(n)s times and was abandoned.")
                % {"n": job.attempts - 1},
            )
            job.refresh_from_db()
            return job
        staging_tables_sweep(keep=job.pk)
        constraints_validate()
        _progress(
            job,
            1,
            _("Starting"),
            status=ImportJob.Status.RUNNING,
            started_at=timezone.now(),
            error="",
            report="",
        )
        workdir = Path(tempfile.mkdtemp(prefix=f"imis-import-{job.pk}-"))
        try:
            _run(job, workdir)
        except ValidationError as exc:
            _fail(job, " ".join(exc.messages))
        except Exception:
            log.exception("import %s failed", job.pk)
            # Database and GDAL messages stay in the server log, not on the page.
            _fail(
                job,
                _("The import failed (job %(id)s); the details are in the server log.")
                % {"id": job.pk},
            )
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            try:
                _drop_tables(job_table_names(job.pk))
            except Exception:  # the next run's sweep drops them
                log.exception("could not drop the staging tables of import %s", job.pk)
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, message: str) -> None:
    if connection.needs_rollback:
        return  # inside an outer transaction that failed: nothing to record
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now(), progress=100
    )


def _srid_decide(job: ImportJob, info: ogr.DatasetInfo) -> int:
    if info.srid:
        srid = info.srid
    elif info.srs_unidentified and not job.source_srid:
        raise ValidationError(
            _(
                "The file's coordinate system could not be identified; "
                "state its EPSG code and upload it again."
            )
        )
    elif job.source_srid:
        srid = job.source_srid
    elif info.driver in ("CSV", "XLSX") or not info.has_geometry:
        srid = 4326
    else:
        raise ValidationError(
            _(
                "The file does not state its coordinate system (a Shapefile needs its .prj); "
                "state its EPSG code and upload it again."
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM public.spatial_ref_sys WHERE srid = %s", [srid])
        if cursor.fetchone() is None:
            raise ValidationError(
                _("EPSG:%(srid)s is not a coordinate system we know.") % {"srid": srid}
            )
    return srid


def _run(job: ImportJob, workdir: Path) -> None:
    spec = KINDS[job.kind]
    schema = connection.schema_name
    stage, checked, grid = _tables(job.pk)
    suffix = Path(job.source.name).suffix.lower()

    _progress(job, 5, _("Unpacking the file"))
    with job.source.open("rb") as source:
        dataset = safety.upload_unpack(source, suffix, workdir)

    _progress(job, 10, _("Checking the file"))
    info = ogr.dataset_inspect(dataset, kind=job.kind)
    srid = _srid_decide(job, info)
    _progress(job, 15, _("Reading the rows"), driver=info.driver, total_rows=info.features)

    grid_cell: list[float | None] = [None]
    in_parts = pipeline.wanted(spec, features=info.features, workers=_workers_count())

    def grid_build() -> None:  # while ogr2ogr stages (another core)
        wards = "registry_ward"
        if in_parts:  # every ward id the checks give comes from the copy
            wards = pipeline.copies_make(schema=schema, job_id=job.pk)["wards"]
        if spec.kind == "buildings":
            grid_cell[0] = ward_grid_build(schema=schema, table=grid, wards=wards)

    ogr.stage_into_postgres(info, schema=schema, table=stage, srid=srid, while_running=grid_build)
    staged = _staged_columns(stage)
    geometry_text = set(checks.GEOMETRY_TEXT_NAMES) & staged.keys()
    if spec.geometry and not info.has_geometry and not geometry_text:
        raise ValidationError(_("The file has no geometry."))

    _progress(job, 45, _("Checking the rows"))
    config = registry_config_get()
    cell_size = grid_cell[0]

    def check(into: str, plan=None, rows=None) -> sql.Composed:
        return checks.check_table_sql(
            spec,
            schema=schema,
            stage=stage,
            checked=into,
            staged_columns=staged,
            srid=srid,
            bin_prefix=config.bin_prefix,
            bin_digits=config.bin_digits,
            ward_grid=(grid, cell_size) if cell_size else None,
            rows=rows,
            sources=plan.sources if plan else None,
        )

    with _check_session():
        if spec.geometry:
            _execute(checks.WKT_FUNCTION)
        if spec.kind == "holdings":
            holding_codes_stage(stage, staged)
        plan = (
            pipeline.plan_make(
                spec, schema=schema, stage=stage, staged=staged, job_id=job.pk, config=config
            )
            if in_parts
            else None
        )
        _execute(check(checked, plan, plan.first if plan else None))
    if plan:  # counted, and the rest checked, while the first part is inserted
        later = check(plan.tables["checked"], plan, plan.second)
        second = (plan, later, stage, staged)
        _import(job, spec, config, [checked], None, workdir, second=second)
        return
    counts = _count(spec, schema, checked, config)
    tables = [checked]
    _drop_tables([grid])

    report_name = ""
    if counts.rejected:
        _progress(job, 70, _("Writing the report of rejected rows"))
        report_name = rejected_report_write(
            job, spec, tables, workdir, stage=stage, staged_columns=staged
        )
    _drop_tables([stage])
    _progress(job, 75, _("Checked"), **counts.fields(), report=report_name)
    if counts.valid == 0 or (counts.rejected and not job.accept_valid_rows):
        _reject(job)
        return
    _progress(job, 80, _("Importing"))
    _import(job, spec, config, tables, counts, workdir)


# The session the checks run in: ST_IsValid's notices (one per bad row) are
# noise; JIT compiling these statements costs more than it saves (2.3 s of
# 4.2 s at 156k rows); the grid's join is a hash join (a merge join would
# sort every row).
_CHECK_SESSION = (
    "SET client_min_messages = warning",
    "SET jit = off",
    "SET work_mem = '256MB'",
    "SET enable_mergejoin = off",
)
_CHECK_SESSION_RESET = ("client_min_messages", "jit", "work_mem", "enable_mergejoin")


@contextmanager
def _check_session():
    for statement in _CHECK_SESSION:
        _execute(statement)
    _execute(sql.SQL("SET max_parallel_workers_per_gather = {}").format(_workers()))
    try:
        yield
    finally:
        for name in (*_CHECK_SESSION_RESET, "max_parallel_workers_per_gather"):
            _execute(f"RESET {name}")


@dataclass(frozen=True)
class _Counts:
    total: int
    valid: int
    repaired: int
    bin_top: int | None  # the highest BIN kept from the file

    @property
    def rejected(self) -> int:
        return self.total - self.valid

    def __add__(self, other: "_Counts") -> "_Counts":
        tops = [t for t in (self.bin_top, other.bin_top) if t is not None]
        return _Counts(
            self.total + other.total,
            self.valid + other.valid,
            self.repaired + other.repaired,
            max(tops) if tops else None,
        )

    def fields(self) -> dict[str, int]:
        return {
            "total_rows": self.total,
            "valid_rows": self.valid,
            "rejected_rows": self.rejected,
            "repaired_rows": self.repaired,
        }


def _count_sql(spec, schema: str, checked: str, config, *, bin_top: bool = True) -> str:
    """Count a checked table's rows; with ``bin_top``, also the highest BIN
    kept from it (a file checked in parts has it from its plan)."""
    return (
        sql.SQL(
            "SELECT count(*), count(*) FILTER (WHERE cardinality(reasons) = 0),"
            " count(*) FILTER (WHERE repaired AND cardinality(reasons) = 0), {top} FROM {}"
        )
        .format(
            sql.Identifier(schema, checked),
            top=writers.bin_top_sql(prefix=config.bin_prefix)
            if spec.kind == "buildings" and bin_top
            else sql.SQL("NULL"),
        )
        .as_string(connection.connection)
    )


def _count(spec, schema: str, checked: str, config) -> _Counts:
    with connection.cursor() as cursor:
        cursor.execute(_count_sql(spec, schema, checked, config))
        return _Counts(*cursor.fetchone())


def _reject(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.REJECTED,
        stage=_("Nothing imported"),
        progress=100,
        finished_at=timezone.now(),
        **fields,
    )


class _Rejected(Exception):
    """A file checked in parts has rejected rows and the user did not accept
    the valid ones (or it has none): the transaction is rolled back."""


def _import(job, spec, config, tables, counts, workdir, second=None) -> None:
    """Insert the checked tables' good rows in one transaction.  With
    ``second`` (the plan, the statement checking the file's second part, see
    pipeline.py, and the staging table and its columns, where a report reads
    the rejected rows' cells; ``counts`` is None) the first part is inserted while
    another connection checks the second and then counts both parts; the
    second is inserted too if their verdicts allow, else everything is
    rolled back (the BIN numbers the first part took with it: see
    writers.bin_sequence_hold_sql)."""
    schema = connection.schema_name
    background = None
    if second:
        plan, statement, stage, staged = second

        def report_write(tables: list[str]) -> str:
            return rejected_report_write(
                job, spec, tables, workdir, stage=stage, staged_columns=staged
            )

        _progress(job, 60, _("Checking and importing"))
        session = [*_CHECK_SESSION, "SET max_parallel_workers_per_gather = 0"]
        if spec.geometry:
            session.append(checks.WKT_FUNCTION)
        background = pipeline.BackgroundCheck(
            [*session, statement.as_string(connection.connection)],
            then=[
                _count_sql(spec, schema, plan.tables["checked"], config, bin_top=False),
                _count_sql(spec, schema, tables[0], config, bin_top=False),
            ],
        )
    actor_id = job.actor_id

    def insert(checked: str) -> int:
        return _execute(
            writers.insert_sql(
                spec,
                schema=schema,
                checked=checked,
                actor_id=actor_id,
                actor_username=job.actor_username,
                job_id=job.pk,
                bin_prefix=config.bin_prefix,
                bin_digits=config.bin_digits,
            )
        )

    try:
        with transaction.atomic():
            if background:
                background.start()
                expected, bin_top = plan.second[1], plan.bin_top  # at most every row
            else:
                expected, bin_top = counts.valid, counts.bin_top
            if spec.kind == "buildings":  # before the bulk load locks the buildings
                _execute(writers.bin_sequence_hold_sql(schema=schema))
            _execute("SET LOCAL jit = off")
            _execute("SET LOCAL work_mem = '256MB'")  # the sort by row stays in memory
            # The index builds: the leader and two workers on two cores took
            # 0.1 s longer than the leader and one.
            _execute(sql.SQL("SET LOCAL max_parallel_maintenance_workers = {}").format(_workers()))
            # The commit does not wait for the write-ahead log to reach the
            # disk: a crash in that instant loses the import as a whole (its
            # job is then swept as failed and can be run again), never half.
            _execute("SET LOCAL synchronous_commit = off")
            if bin_top is not None:
                _execute(writers.bin_sequence_advance_sql(schema=schema, top=bin_top))
            # Checks still queued by an enclosing transaction would stop the
            # bulk load's ALTER TABLEs ("pending trigger events"): run them now.
            _execute("SET CONSTRAINTS ALL IMMEDIATE")
            _execute("SET CONSTRAINTS ALL DEFERRED")
            rebuild = _bulk_indexes_drop(spec, schema, expected)
            constraints = (
                _bulk_keys_drop(spec, schema) + _bulk_foreign_keys_drop(spec, schema)
                if rebuild
                else []
            )
            imported = insert(tables[0])
            report_fields = {}
            if background:
                background.wait()
                second_counts, counts = (_Counts(*row) for row in background.results)
                counts += second_counts
                tables = [*tables, plan.tables["checked"]]
                if counts.valid == 0 or (counts.rejected and not job.accept_valid_rows):
                    raise _Rejected  # the report names the rejected rows of both parts
                imported += insert(plan.tables["checked"])
                report_fields = counts.fields()
                if counts.rejected:
                    report_fields["report"] = report_write(tables)
            if writers.records_rows_itself(spec):
                _execute(
                    writers.import_record_sql(
                        spec,
                        schema=schema,
                        job_id=job.pk,
                        file_name=job.original_name,
                        rows=imported,
                        actor_id=actor_id,
                        actor_username=job.actor_username,
                    )
                )
            if rebuild:
                # Django's foreign keys are deferred; CREATE INDEX wants their
                # queued checks done first.
                _execute("SET CONSTRAINTS ALL IMMEDIATE")
                for _name, definition in rebuild:
                    _execute(definition)
                _execute("SET CONSTRAINTS ALL DEFERRED")
            if background and constraints:
                pipeline.copies_verify(schema=schema, plan=plan)
            for table, name, definition in constraints:  # each a sorted build or one join
                # A foreign key whose rows are known good is added without
                # reading them (NOT VALID: enforced from now on) and validated
                # by the statistics task after the commit: another table's
                # rows refer to buildings the import kept, and the rows of a
                # file checked in parts refer to wards and roads of copies
                # just verified.  The others are checked here, by one join.
                trusted = definition.startswith("FOREIGN KEY") and (
                    table != spec.table or background is not None
                )
                _execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}{}").format(
                        sql.Identifier(schema, table),
                        sql.Identifier(name),
                        sql.SQL(definition),
                        sql.SQL(" NOT VALID") if trusted else sql.SQL(""),
                    )
                )
            delay = getattr(settings, "IMIS_IMPORT_COMMIT_DELAY_SECONDS", 0)
            if delay:  # tests only: hold the transaction open so a worker can be killed in it
                _progress_in_transaction(job, _("Importing (held open)"))
                time.sleep(delay)
            # Its bulk writes bypass the models' signals: the map's tiles of
            # the layers it changed are retired here (again when this commits).
            layers_changed_by_import(job.kind)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE,
                stage=_("Imported"),
                progress=100,
                imported_rows=imported,
                finished_at=timezone.now(),
                **report_fields,
            )
            audit_event_record(
                actor=job.actor,
                action="registry.import",
                obj=job,
                data={
                    "kind": job.kind,
                    "imported": imported,
                    "rejected": counts.rejected,
                    "repaired": counts.repaired,
                    "file": job.original_name,
                },
            )
            if rebuild:  # fresh statistics for the lists and the map, right after
                transaction.on_commit(lambda: _analyze_queue(spec.kind))
    except _Rejected:
        report = report_write(tables) if counts.rejected else ""
        _reject(job, report=report, **counts.fields())
    finally:
        if background:
            background.stop()


def _workers_count() -> int:
    """Parallel workers for the checks and the index builds (besides the
    leader): ``IMIS_IMPORT_PARALLEL_WORKERS``."""
    return max(0, int(settings.IMIS_IMPORT_PARALLEL_WORKERS))


def _workers() -> sql.Literal:
    return sql.Literal(_workers_count())


def _analyze_queue(kind: str) -> None:
    from backoffice.registry.importing.tasks import import_statistics_task

    import_statistics_task.delay(kind)


def import_statistics_refresh(*, kind: str) -> None:
    """ANALYZE the table after a bulk load (a task of its own: the import is
    done when its rows are committed; autovacuum would get there too, a
    minute later).  The whole table, not a column list: only a plain ANALYZE
    refreshes the statistics of expression indexes (the map's ST_Area index
    on buildings plans z13 tiles with them)."""
    spec = KINDS[kind]
    _execute(sql.SQL("ANALYZE {}").format(sql.Identifier(connection.schema_name, spec.table)))
    constraints_validate()


def _progress_in_transaction(job: ImportJob, stage: str) -> None:
    """Announce the held transaction on a connection of its own (tests)."""
    with own_connection() as other:
        other.execute(
            sql.SQL("UPDATE {} SET stage = %s WHERE id = %s").format(
                sql.Identifier(connection.schema_name, ImportJob._meta.db_table)
            ),
            [stage, job.pk],
        )

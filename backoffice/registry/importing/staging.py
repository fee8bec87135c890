"""Staging tables of imports and the bulk-load steps around the insert:
naming, dropping a killed run's leftovers, the holding codes judged by
backoffice.registry.codes into a table the checks join, and taking a
table's plain indexes and constraints off for a large first load (they are
added again in the same transaction)."""

import logging

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from backoffice.registry.codes import holding_code_parse
from backoffice.registry.importing import writers
from backoffice.registry.importing.models import ImportJob

log = logging.getLogger(__name__)

STAGE_PREFIX = "registry_import_stage_"
CHECK_PREFIX = "registry_import_check_"
GRID_PREFIX = "registry_import_grid_"
# A pipelined import's second checked part and its copies of the register.
AUX_PREFIX = "registry_import_aux_"
STALE_AFTER_SECONDS = 60 * 60


def staging_table_names(job_id: int) -> tuple[str, str, str]:
    """The job's staging, checked and ward-grid tables."""
    return f"{STAGE_PREFIX}{job_id}", f"{CHECK_PREFIX}{job_id}", f"{GRID_PREFIX}{job_id}"


def pipeline_table_names(job_id: int) -> dict[str, str]:
    """A pipelined job's tables: the second part's checked table and the
    copies of the register that part is checked against."""
    return {part: f"{AUX_PREFIX}{part}_{job_id}" for part in ("checked", "wards", "roads", "keys")}


def job_table_names(job_id: int) -> list[str]:
    """Every table a job may leave behind."""
    return [*staging_table_names(job_id), *pipeline_table_names(job_id).values()]


def staging_tables_drop(names: list[str]) -> None:
    if not names:
        return
    schema = connection.schema_name
    statement = sql.SQL("DROP TABLE IF EXISTS {}").format(
        sql.SQL(", ").join(sql.Identifier(schema, n) for n in names)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))


def staging_tables_sweep(*, keep: int | None = None) -> list[str]:
    """Drop the staging tables of jobs that are not running (a killed run's
    leftovers); jobs "running" for longer than a worker may are failed."""
    cutoff = timezone.now() - timezone.timedelta(seconds=STALE_AFTER_SECONDS)
    ImportJob.objects.filter(status=ImportJob.Status.RUNNING, started_at__lt=cutoff).update(
        status=ImportJob.Status.FAILED,
        error=_("The import stopped without finishing; nothing was imported."),
        finished_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s"
            " AND (tablename LIKE %s OR tablename LIKE %s OR tablename LIKE %s"
            " OR tablename LIKE %s)",
            [
                connection.schema_name,
                STAGE_PREFIX + "%",
                CHECK_PREFIX + "%",
                GRID_PREFIX + "%",
                AUX_PREFIX + "%",
            ],
        )
        found = [row[0] for row in cursor.fetchall()]
    running = set(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING).values_list("pk", flat=True)
    )
    stale = []
    for name in found:
        suffix = name.rsplit("_", 1)[-1]
        job_id = int(suffix) if suffix.isdigit() else None
        if job_id is None or job_id == keep or job_id not in running:
            stale.append(name)
    staging_tables_drop(stale)
    return stale


def staged_columns(table: str) -> dict[str, str]:
    """The staging table's columns and their types (``integer``, ``double
    precision``, ``character varying``...): numbers a GeoPackage or a
    Shapefile stored as numbers are staged as numbers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            [connection.schema_name, table],
        )
        return dict(cursor.fetchall())


def execute(statement) -> int:
    text = (
        statement.as_string(connection.connection) if not isinstance(statement, str) else statement
    )
    with connection.cursor() as cursor:
        cursor.execute(text)
        return cursor.rowcount


def bulk_indexes_drop(spec, schema: str, rows: int) -> list[tuple[str, str]]:
    """For a large load, drop the table's plain indexes (built again after
    the insert, in the same transaction); returns their definitions."""
    if rows < writers.BULK_ROWS:
        return []
    with connection.cursor() as cursor:  # counting stops past ``rows``
        cursor.execute(
            sql.SQL("SELECT count(*) FROM (SELECT FROM {} LIMIT %s) t")
            .format(sql.Identifier(schema, spec.table))
            .as_string(connection.connection),
            [rows + 1],
        )
        (existing,) = cursor.fetchone()
    if existing > rows:
        return []
    indexes = writers.plain_indexes(schema=schema, table=spec.table)
    execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, _definition in indexes:
        execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, name)))
    return indexes


def bulk_keys_drop(spec, schema: str) -> list[tuple[str, str, str]]:
    """With the indexes, drop the table's primary key and unique constraints
    (a building's BIN) and return (table, name, definition) to add them
    again after the insert, followed by the foreign keys of other tables
    that refer to them (dropped first, as PostgreSQL requires, and added
    again last).  Checking and inserting 156,000 keys one by one cost
    0.12 s for the primary key and 0.15-0.2 s for the BIN, where the
    sorted builds when the constraints are added take about 0.05 s each.
    The checks have already refused duplicates; one that got through fails
    the add, and the import with it.  The referring tables (FSM, water,
    holdings' links) are locked for the transaction, as the table is."""
    referring_query = sql.SQL(
        "SELECT r.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
        " JOIN pg_class t ON t.oid = k.confrelid JOIN pg_class r ON r.oid = k.conrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = %s AND t.relname = %s AND k.contype = 'f'"
        " AND k.conrelid <> k.confrelid ORDER BY r.relname, k.conname"
    )
    with connection.cursor() as cursor:
        cursor.execute(referring_query.as_string(connection.connection), [schema, spec.table])
        referring = [tuple(row) for row in cursor.fetchall()]
    for table, name, _definition in referring:
        _constraint_drop(schema, table, name)
    return _constraints_drop(spec, schema, "keys") + referring


def bulk_foreign_keys_drop(spec, schema: str) -> list[tuple[str, str, str]]:
    """With the indexes, drop the table's foreign keys for a large load and
    return (table, name, definition) to add them again after the insert:
    adding a foreign key checks every row with one join, where a kept one
    queues and runs a check per row and column (0.6-1 s at 156,000
    buildings)."""
    return _constraints_drop(spec, schema, "foreign")


_CONSTRAINTS = {
    "keys": sql.SQL("k.contype IN ('p', 'u')"),
    "foreign": sql.SQL("k.contype = 'f'"),
}


def _constraint_drop(schema: str, table: str, name: str) -> None:
    execute(
        sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            sql.Identifier(schema, table), sql.Identifier(name)
        )
    )


def _constraints_drop(spec, schema: str, which: str) -> list[tuple[str, str, str]]:
    """Drop the table's constraints of a kind (``_CONSTRAINTS``) and return
    their (table, name, definition), the primary key first."""
    query = sql.SQL(
        "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
        " JOIN pg_class t ON t.oid = k.conrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = %s AND t.relname = %s AND {} ORDER BY k.contype, k.conname"
    ).format(_CONSTRAINTS[which])
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection), [schema, spec.table])
        constraints = list(cursor.fetchall())
    for name, _definition in constraints:
        _constraint_drop(schema, spec.table, name)
    return [(spec.table, name, definition) for name, definition in constraints]


def constraints_validate() -> list[str]:
    """Validate the foreign keys a bulk load added NOT VALID (see services),
    in this municipality's schema; run after each bulk load and before each
    import (a lost task is caught up).  VALIDATE blocks no reads or writes."""
    schema = connection.schema_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, k.conname FROM pg_constraint k"
            " JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = %s AND NOT k.convalidated AND k.contype = 'f'"
            " ORDER BY t.relname, k.conname",
            [schema],
        )
        pending = cursor.fetchall()
    validated = []
    for table, name in pending:
        try:
            with transaction.atomic():
                execute(
                    sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
                        sql.Identifier(schema, table), sql.Identifier(name)
                    )
                )
        except DatabaseError:  # rows that break it: the operators must see it, imports go on
            log.exception("foreign key %s.%s.%s does not hold", schema, table, name)
        else:
            validated.append(name)
    return validated


def holding_codes_stage(stage: str, staged: dict[str, str]) -> None:
    """Holding codes are judged by backoffice.registry.codes itself (the
    same verdict and message as a form gives), then joined in SQL."""
    schema = connection.schema_name
    code_col = sql.Identifier("code") if "code" in staged else None
    bins_col = sql.Identifier("bins") if "bins" in staged else None
    select = sql.SQL("SELECT src_fid, {}, {} FROM {}").format(
        sql.SQL("s.{}::text").format(code_col) if code_col else sql.SQL("NULL::text"),
        sql.SQL("s.{}::text").format(bins_col) if bins_col else sql.SQL("NULL::text"),
        sql.SQL("{} s").format(sql.Identifier(schema, stage)),
    )
    execute(
        "CREATE TEMP TABLE IF NOT EXISTS imis_codes (row_no bigint PRIMARY KEY, code text,"
        " ward_number integer, error text, bins text[]) ON COMMIT PRESERVE ROWS"
    )
    execute("TRUNCATE pg_temp.imis_codes")
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(select.as_string(connection.connection))
        for row_no, raw, bins in cursor.fetchall():
            code = ward = error = None
            if raw is not None and raw.strip():
                try:
                    parsed = holding_code_parse(raw)
                    code, ward = str(parsed), parsed.ward_number
                except ValidationError as exc:
                    error = " ".join(exc.messages)
            links = sorted({b for b in (bins or "").replace(";", ",").split(",") if b.strip()})
            rows.append((row_no, code, ward, error, [b.strip() for b in links]))
    raw_cursor = connection.connection.cursor()
    with raw_cursor.copy(
        "COPY pg_temp.imis_codes (row_no, code, ward_number, error, bins) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)

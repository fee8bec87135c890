"""Exports of a layer or a tool result (a selection) to CSV, Excel,
GeoPackage and a zipped Shapefile (with .cpg): generic writers over the
selection's SQL, columns = the attributes the user's roles may read.

The statement reaches COPY and ogr2ogr only as psycopg composed it with its
parameters quoted (``connection.ops.compose_sql``), never by pasting values.
Small exports stream from the request; big ones run as a background job
(:mod:`maps.exports.tasks`) whose state lives in the municipality's cache
(keys carry the schema) and whose file lives in private storage, handed out
only to the user who asked.  Every export is audited."""

import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from psycopg import sql

from maps import registry
from maps.exports import ogr
from maps.tools.selection import (
    Selection,
    execute_without_jit,
    jit_off,
    selection_ctes,
    selection_rows,
)
from tenants.audit.services import audit_event_record

FORMATS = ("csv", "xlsx", "gpkg", "shp")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
}
FILE_SUFFIX = {"csv": "csv", "xlsx": "xlsx", "gpkg": "gpkg", "shp": "zip"}
BOM = "\ufeff".encode()
BACKGROUND_ROWS = 20_000  # more than this: a background job with progress
JOB_SECONDS = 24 * 3600
OGR_TYPES = {"polygon": "MULTIPOLYGON", "line": "MULTILINESTRING", "point": "POINT"}


@dataclass(frozen=True)
class ExportQuery:
    name: str  # layer slug: the file's layer and sheet name
    columns: tuple[str, ...]
    text: str  # complete SELECT, literals quoted by psycopg
    geometry_type: str


def export_query(selection: Selection, *, user, wkt: bool, guard: bool = False) -> ExportQuery:
    """The selected features with the attributes ``user`` may read, by id;
    geometry as ``geom`` (or WKT text for CSV and Excel)."""
    layer = selection.layer
    attributes = registry.visible_attributes(layer, user)
    params: dict = {}
    ctes = selection_ctes(selection, params)
    columns = [sql.SQL("t.{} AS {}").format(sql.Identifier(layer.pk_column), sql.Identifier("id"))]
    for attribute in attributes:
        expression = sql.SQL(attribute.expression)
        if guard and attribute.type == "string":
            # Text a spreadsheet would run as a formula keeps a leading apostrophe.
            expression = sql.SQL("regexp_replace(({})::text, '^([=+@\t\r-])', '''\\1')").format(
                expression
            )
        columns.append(sql.SQL("{} AS {}").format(expression, sql.Identifier(attribute.name)))
    geom = sql.SQL("t.{}").format(sql.Identifier(layer.geometry_column))
    columns.append(
        sql.SQL("ST_AsText({}) AS wkt").format(geom) if wkt else sql.SQL("{} AS geom").format(geom)
    )
    statement = sql.SQL(
        "{ctes} SELECT {columns} FROM hits JOIN {table} t ON t.{pk} = hits.id ORDER BY hits.id"
    ).format(
        ctes=ctes,
        columns=sql.SQL(", ").join(columns),
        table=sql.Identifier(layer.table),
        pk=sql.Identifier(layer.pk_column),
    )
    text = connection.ops.compose_sql(statement.as_string(connection.connection), params)
    names = ("id", *(a.name for a in attributes), "wkt" if wkt else "geom")
    return ExportQuery(layer.slug, names, text, layer.geometry_type)


def export_count(selection: Selection, *, user) -> int:
    """The rows an export will hold: as the tool just showed them to this
    user (remembered for two minutes), or counted now."""
    from maps.tools.results import count_recalled

    recalled = count_recalled(selection, user=user)
    if recalled is not None:
        return recalled
    params: dict = {}
    prefix, rows = selection_rows(selection, params)
    statement = prefix + sql.SQL(" SELECT count(*) ") + rows
    with connection.cursor() as cursor:
        execute_without_jit(cursor, statement, params)
        return cursor.fetchone()[0]


def export_audit(*, actor, selection: Selection, fmt: str, rows: int, background: bool) -> None:
    audit_event_record(
        actor=actor,
        action="maps.export",
        data={
            **selection.described,
            "format": fmt,
            "rows": rows,
            "background": background,
        },
    )


# --- writers -------------------------------------------------------------------


def csv_stream(query: ExportQuery, chunk_bytes: int = 256 * 1024) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel shows Bangla); COPY streams from PostgreSQL."""
    yield BOM
    pending = bytearray()
    statement = f"COPY ({query.text}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with (
        transaction.atomic(),
        connection.connection.cursor() as cursor,
    ):
        jit_off(cursor)
        with cursor.copy(statement) as copy:
            for data in copy:
                pending += data
                if len(pending) >= chunk_bytes:
                    yield bytes(pending)
                    pending.clear()
    if pending:
        yield bytes(pending)


def csv_write(query: ExportQuery, target: Path) -> Path:
    with open(target, "wb") as handle:
        for chunk in csv_stream(query):
            handle.write(chunk)
    return target


def xlsx_write(query: ExportQuery, target: Path, *, batch: int = 5000, progress=None) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(query.name[:31])
    sheet.append(list(query.columns))
    done = 0
    with (
        transaction.atomic(),
        connection.connection.cursor(name=f"imis_map_export_{uuid.uuid4().hex[:12]}") as cursor,
    ):
        cursor.itersize = batch
        connection.connection.execute("SET LOCAL jit = off")
        cursor.execute(query.text)
        while rows := cursor.fetchmany(batch):
            for row in rows:
                out = []
                for value in row:
                    if type(value) is str and value[:1] == "=":
                        cell = WriteOnlyCell(sheet, value)
                        cell.data_type = "s"  # text stays text, never a formula
                        value = cell
                    out.append(value)
                sheet.append(out)
            done += len(rows)
            if progress:
                progress(done)
    workbook.save(target)
    return target


def ogr_write(query: ExportQuery, fmt: str, workdir: Path) -> Path:
    """GeoPackage, or a zipped Shapefile with its .cpg, by ogr2ogr from PostgreSQL."""
    datasource, env = ogr.pg_datasource()
    name = query.name
    driver = {"gpkg": "GPKG", "shp": "ESRI Shapefile"}[fmt]
    out = workdir / (f"{name}.gpkg" if fmt == "gpkg" else f"{name}/{name}.shp")
    out.parent.mkdir(parents=True, exist_ok=True)
    args = ["-f", driver, str(out), datasource, "-sql", query.text, "-nln", name]
    args += ["-nlt", OGR_TYPES[query.geometry_type], "-a_srs", "EPSG:4326"]
    if fmt == "shp":
        args += ["-lco", "ENCODING=UTF-8"]
    ogr.ogr2ogr(args, env=env)
    if fmt == "gpkg":
        return out
    archive = workdir / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for part in sorted(out.parent.iterdir()):
            zf.write(part, arcname=part.name)
    return archive


def export_file(query: ExportQuery, fmt: str, *, progress=None) -> Path:
    """The export in a private temporary folder; the caller moves or streams
    it and removes the folder."""
    workdir = Path(tempfile.mkdtemp(prefix="imis-map-export-"))
    try:
        if fmt == "csv":
            return csv_write(query, workdir / f"{query.name}.csv")
        if fmt == "xlsx":
            return xlsx_write(query, workdir / f"{query.name}.xlsx", progress=progress)
        return ogr_write(query, fmt, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


# --- background jobs -----------------------------------------------------------


def _job_key(job_id: str) -> str:
    return f"maps-export-job:{job_id}"


def export_dir() -> Path:
    return Path(settings.IMIS_PRIVATE_MEDIA_ROOT) / connection.schema_name / "map-exports"


def job_get(job_id: str) -> dict | None:
    try:
        uuid.UUID(job_id)
    except ValueError:
        return None
    return cache.get(_job_key(job_id))


def job_save(job: dict) -> None:
    cache.set(_job_key(job["id"]), job, JOB_SECONDS)


def export_files_sweep(now: float | None = None) -> int:
    """Remove job files older than a job's life (their jobs are gone from the cache)."""
    folder = export_dir()
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - JOB_SECONDS
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def export_job_start(*, actor, params: dict, fmt: str, rows: int) -> dict:
    """Record the job (its owner, the request's parameters) and queue it;
    files of expired jobs are swept first."""
    from maps.exports.tasks import export_job_run_task

    export_files_sweep()
    job = {
        "id": str(uuid.uuid4()),
        "user_id": actor.pk,
        "params": params,
        "format": fmt,
        "rows": rows,
        "done_rows": 0,
        "status": "queued",
        "progress": 0,
        "file": "",
        "error": "",
    }
    job_save(job)
    transaction.on_commit(lambda: export_job_run_task.delay(job["id"]))
    return job


def export_job_run(*, job_id: str) -> dict | None:
    """Write the job's file (in the worker, in the job's municipality)."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from maps.tools.selection import selection_from_params

    job = job_get(job_id)
    if job is None or job["status"] in ("done", "failed"):
        return job
    job.update(status="running", progress=5)
    job_save(job)
    try:
        user = get_user_model().objects.get(pk=job["user_id"], is_active=True)
        params = QueryDict(mutable=True)
        for key, values in job["params"].items():
            params.setlist(key, values)
        selection = selection_from_params(params, user=user, tenant=connection.tenant)
        fmt = job["format"]
        query = export_query(selection, user=user, wkt=fmt in ("csv", "xlsx"), guard=fmt == "csv")

        def progress(done: int) -> None:
            share = min(95, 5 + int(90 * done / max(1, job["rows"])))
            job.update(progress=share, done_rows=done)
            job_save(job)

        path = export_file(query, fmt, progress=progress)
        target_dir = export_dir()
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{job['id']}.{FILE_SUFFIX[fmt]}"
        shutil.move(str(path), target)
        shutil.rmtree(path.parent, ignore_errors=True)
        job.update(status="done", progress=100, done_rows=job["rows"], file=target.name)
    except Exception as exc:  # noqa: BLE001 - the job reports it; the task log has it too
        job.update(status="failed", error=f"{type(exc).__name__}")
        job_save(job)
        raise
    job_save(job)
    return job


def job_file(job: dict) -> Path | None:
    if job.get("status") != "done" or not job.get("file"):
        return None
    path = export_dir() / job["file"]
    return path if path.is_file() else None

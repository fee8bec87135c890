"""Exports of a layer or a tool result (a selection) to CSV, Excel,
GeoPackage and a zipped Shapefile (with .cpg): generic writers over the
selection's SQL, columns = the attributes the user's roles may read.

The statement reaches COPY and ogr2ogr only as psycopg composed it with its
parameters quoted (``connection.ops.compose_sql``), never by pasting values.
Small exports stream from the request; big ones run as a background job
(:mod:`maps.exports.tasks`) recorded as a :class:`maps.models.ExportJob` in
the municipality's schema (who, what, format, state, progress, file, error),
whose file lives in private storage, handed out only to the user who asked
while their role may export.  Every export and every download is audited."""

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
from django.utils import timezone
from psycopg import sql

from maps import registry
from maps.exports import ogr
from maps.models import ExportJob
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


def export_audit(
    *, actor, selection: Selection, fmt: str, rows: int, background: bool, job=None
) -> None:
    data = {**selection.described, "format": fmt, "rows": rows, "background": background}
    if job is not None:
        data["job"] = str(job.pk)
    audit_event_record(actor=actor, action="maps.export", data=data)


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


def export_dir() -> Path:
    return Path(settings.IMIS_PRIVATE_MEDIA_ROOT) / connection.schema_name / "map-exports"


def _progress_key(job_id) -> str:
    return f"maps-export-progress:{job_id}"


def _tool(params: dict) -> str:
    if params.get("buffer_m"):
        return "buffer"
    if params.get("within"):
        return "area"
    return "filter" if any(key.startswith("f_") for key in params) else ""


def export_job_get(*, user, job_id) -> ExportJob | None:
    """The job if it is ``user``'s (in this municipality's schema), else None."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        return None
    return ExportJob.objects.filter(pk=pk, user=user).first()


def export_job_progress(job: ExportJob) -> tuple[int, int]:
    """(percent, rows written): a running job's live figures from the cache
    (written as it goes, without a transaction), else the stored ones."""
    if job.state == ExportJob.State.RUNNING:
        live = cache.get(_progress_key(job.pk))
        if live is not None:
            return live
    return job.progress, job.done_rows


def export_files_sweep(now: float | None = None) -> int:
    """Remove export files older than a day; their jobs keep their record
    (who, what, when) without a file."""
    folder = export_dir()
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - JOB_SECONDS
    removed = []
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    if removed:
        ExportJob.objects.filter(file__in=removed).update(file="")
    return len(removed)


@transaction.atomic
def export_job_start(*, actor, params: dict, fmt: str, rows: int) -> ExportJob:
    """Record the job (its owner, the request's parameters) and queue it
    after the commit; files of expired jobs are swept first."""
    from maps.exports.tasks import export_job_run_task

    export_files_sweep()
    job = ExportJob(
        user=actor,
        layer=(params.get("layer") or [""])[0],
        tool=_tool(params),
        params=params,
        format=fmt,
        rows=rows,
    )
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: export_job_run_task.delay(str(job.pk)))
    return job


def _job_update(job: ExportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ExportJob.objects.filter(pk=job.pk).update(**fields)


def export_job_run(*, job_id: str) -> ExportJob | None:
    """Write the job's file (in the worker, in the job's municipality).  A
    job already done or failed is left as it is (a redelivered task)."""
    from django.http import QueryDict

    from maps.tools.selection import selection_from_params

    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.state in (ExportJob.State.DONE, ExportJob.State.FAILED):
        return job
    _job_update(job, state=ExportJob.State.RUNNING, progress=5)
    try:
        user = job.user
        if not user.is_active:
            raise PermissionError("the user who asked is no longer active")
        params = QueryDict(mutable=True)
        for key, values in job.params.items():
            params.setlist(key, values)
        selection = selection_from_params(params, user=user, tenant=connection.tenant)
        fmt = job.format
        query = export_query(selection, user=user, wkt=fmt in ("csv", "xlsx"), guard=fmt == "csv")

        def progress(done: int) -> None:
            share = min(95, 5 + int(90 * done / max(1, job.rows)))
            cache.set(_progress_key(job.pk), (share, done), JOB_SECONDS)

        path = export_file(query, fmt, progress=progress)
        target_dir = export_dir()
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{job.pk}.{FILE_SUFFIX[fmt]}"
        shutil.move(str(path), target)
        shutil.rmtree(path.parent, ignore_errors=True)
    except Exception as exc:  # noqa: BLE001 - the job reports it; the task log has it too
        _job_update(
            job, state=ExportJob.State.FAILED, error=type(exc).__name__, finished_at=timezone.now()
        )
        cache.delete(_progress_key(job.pk))
        raise
    _job_update(
        job,
        state=ExportJob.State.DONE,
        progress=100,
        done_rows=job.rows,
        file=target.name,
        finished_at=timezone.now(),
    )
    cache.delete(_progress_key(job.pk))
    return job


def job_file(job: ExportJob) -> Path | None:
    if job.state != ExportJob.State.DONE or not job.file:
        return None
    path = export_dir() / job.file
    return path if path.is_file() else None


def export_download_audit(*, actor, job: ExportJob) -> None:
    audit_event_record(
        actor=actor,
        action="maps.export_download",
        data={"job": str(job.pk), "layer": job.layer, "format": job.format, "rows": job.rows},
    )

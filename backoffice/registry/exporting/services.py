"""Exports of a filtered building or holding list: CSV (UTF-8 with a BOM,
so Excel shows Bangla), Excel (openpyxl, write-only), GeoPackage and a
zipped Shapefile (ogr2ogr from PostgreSQL; UTF-8 with a .cpg).

The filtered list is the registry's own selector; its SQL reaches
ogr2ogr and COPY only as psycopg composed it (``compose_sql`` quotes every
parameter as a literal, the same client-side binding Django executes
with), never by pasting values into text.  Column names are those the
importer reads (importing/schema.py), so an export imports again as is."""

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from psycopg import sql

from backoffice.registry.importing import ogr
from backoffice.registry.importing.cells import formula_guard
from backoffice.registry.selectors import BuildingFilters, building_list, holding_list
from tenants.audit.services import audit_event_record

EXPORT_ROLES: tuple[str, ...] = (
    "municipal_admin",
    "gis_officer",
    "revenue_chief",
    "revenue_collector",
)
FORMATS: dict[str, tuple[str, ...]] = {
    "buildings": ("csv", "xlsx", "gpkg", "shp"),
    "holdings": ("csv", "xlsx", "gpkg"),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
}
FILE_SUFFIX = {"csv": "csv", "xlsx": "xlsx", "gpkg": "gpkg", "shp": "zip"}
BOM = "\ufeff".encode()
# Columns people type freely (the rest are codes, numbers and choices).
FREE_TEXT = frozenset({"road", "house_no", "address"})


@dataclass(frozen=True)
class ExportQuery:
    what: str
    columns: tuple[str, ...]  # output names, in order
    sql: str  # complete SELECT, literals quoted by psycopg
    geometry: bool


def _ids(queryset) -> sql.Composable:
    """The queryset's ids as SQL: Django's SQL with its parameters quoted
    by psycopg (never ``str(queryset.query)``, which pastes them raw)."""
    inner, params = queryset.order_by().values("pk").query.sql_with_params()
    return sql.SQL(connection.ops.compose_sql(inner, params))


def _text_column(expr: sql.Composable, guard: bool) -> sql.Composable:
    """Free text people typed; for CSV, kept from running as a formula."""
    return formula_guard(expr) if guard else expr


def _text(statement: sql.Composable) -> str:
    return statement.as_string(connection.connection)


def building_export_query(
    *,
    actor,
    filters: BuildingFilters | None = None,
    queryset=None,
    wkt: bool = False,
    guard: bool = False,
) -> ExportQuery:
    """The buildings of ``queryset`` (default: the building list with
    ``filters``), in the importer's columns, by BIN."""
    schema = connection.schema_name
    where = sql.SQL("")
    if queryset is None and filters not in (None, BuildingFilters()):
        queryset = building_list(actor=actor, filters=filters)
    if queryset is not None:
        where = sql.SQL(" WHERE b.id IN ({})").format(_ids(queryset))
    statement = sql.SQL(
        "SELECT b.bin, w.number AS ward, {road} AS road, {house} AS house_no,"
        " b.floors, b.structure_type AS structure, b.use, b.households, b.population,"
        " b.construction_year AS built_year, b.water_source AS water_src,"
        " b.sanitation_system AS sanitation, b.low_income::int AS low_income, b.status,"
        " {geometry} FROM {buildings} b JOIN {wards} w ON w.id = b.ward_id"
        " LEFT JOIN {roads} r ON r.id = b.road_id{where} ORDER BY b.bin"
    ).format(
        geometry=sql.SQL("ST_AsText(b.footprint) AS wkt" if wkt else "b.footprint AS geom"),
        road=_text_column(sql.SQL("r.code"), guard),
        house=_text_column(sql.SQL("b.house_number"), guard),
        buildings=sql.Identifier(schema, "registry_building"),
        wards=sql.Identifier(schema, "registry_ward"),
        roads=sql.Identifier(schema, "registry_road"),
        where=where,
    )
    columns = (
        "bin", "ward", "road", "house_no", "floors", "structure", "use", "households",
        "population", "built_year", "water_src", "sanitation", "low_income", "status",
    )  # fmt: skip
    return ExportQuery("buildings", (*columns, "wkt") if wkt else columns, _text(statement), True)


def holding_export_query(
    *, actor, q: str = "", ward: int | None = None, queryset=None, guard: bool = False
) -> ExportQuery:
    """The holdings of ``queryset`` (default: the holding list for ``q`` and
    ``ward``) with the BINs of their buildings, by code."""
    schema = connection.schema_name
    where = sql.SQL("")
    if queryset is None and (q or ward is not None):
        queryset = holding_list(actor=actor, q=q, ward=ward)
    if queryset is not None:
        where = sql.SQL(" WHERE h.id IN ({})").format(_ids(queryset))
    statement = sql.SQL(
        "SELECT h.code, w.number AS ward, h.holding_type AS type, h.annual_value AS annual_val,"
        " {address} AS address, h.status,"
        " (SELECT string_agg(b.bin, ',' ORDER BY b.bin) FROM {links} bh"
        "  JOIN {buildings} b ON b.id = bh.building_id WHERE bh.holding_id = h.id) AS bins"
        " FROM {holdings} h JOIN {wards} w ON w.id = h.ward_id{where} ORDER BY h.code"
    ).format(
        links=sql.Identifier(schema, "registry_buildingholding"),
        buildings=sql.Identifier(schema, "registry_building"),
        holdings=sql.Identifier(schema, "registry_holding"),
        address=_text_column(sql.SQL("h.address"), guard),
        wards=sql.Identifier(schema, "registry_ward"),
        where=where,
    )
    columns = ("code", "ward", "type", "annual_val", "address", "status", "bins")
    return ExportQuery("holdings", columns, _text(statement), False)


def export_audit(*, actor, what: str, fmt: str, filters: dict) -> None:
    audit_event_record(
        actor=actor,
        action="registry.export",
        data={"what": what, "format": fmt, "filters": filters},
    )


# --- writers ----------------------------------------------------------------


def csv_stream(query: ExportQuery, chunk_bytes: int = 256 * 1024) -> Iterator[bytes]:
    """UTF-8 with a BOM; COPY streams it straight from PostgreSQL."""
    yield BOM
    statement = f"COPY ({query.sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
    pending = bytearray()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for data in copy:
            pending += data
            if len(pending) >= chunk_bytes:
                yield bytes(pending)
                pending.clear()
    if pending:
        yield bytes(pending)


def xlsx_write(query: ExportQuery, target: Path, *, batch: int = 5000) -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(query.what)
    sheet.append(list(query.columns))
    # A server-side cursor (rows arrive in batches) lives in a transaction.
    with (
        transaction.atomic(),
        connection.connection.cursor(name=f"imis_export_{id(target)}") as cursor,
    ):
        cursor.itersize = batch
        cursor.execute(query.sql)
        names = [column.name for column in cursor.description]
        free = [i for i, name in enumerate(names) if name in FREE_TEXT]
        while rows := cursor.fetchmany(batch):
            for row in rows:
                if any(row[i] and row[i][0] == "=" for i in free):
                    row = [_xlsx_text(sheet, v) for v in row]
                sheet.append(row)
    workbook.save(target)
    return target


def _xlsx_text(sheet, value):
    """openpyxl turns a string starting with "=" into a formula: keep text text."""
    if type(value) is not str or value[:1] != "=":
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def ogr_write(query: ExportQuery, fmt: str, workdir: Path) -> Path:
    """GeoPackage or zipped Shapefile of the query, by ogr2ogr from PostgreSQL."""
    datasource, env = ogr.pg_conninfo()
    layer = query.what
    driver = {"gpkg": "GPKG", "shp": "ESRI Shapefile"}[fmt]
    out = workdir / (f"{layer}.gpkg" if fmt == "gpkg" else f"{layer}/{layer}.shp")
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "-f",
        driver,
        str(out),
        datasource,
        "-oo",
        f"ACTIVE_SCHEMA={connection.schema_name}",
        "-oo",
        f"SCHEMAS={connection.schema_name}",
        "-sql",
        query.sql,
        "-nln",
        layer,
    ]
    if query.geometry:
        args += ["-nlt", "MULTIPOLYGON", "-a_srs", "EPSG:4326"]
    if fmt == "shp":
        args += ["-lco", "ENCODING=UTF-8"]
    ogr.ogr2ogr(args, env=env)
    if fmt == "gpkg":
        return out
    archive = workdir / f"{layer}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for part in sorted(out.parent.iterdir()):
            zf.write(part, arcname=part.name)
    return archive


def export_file(query: ExportQuery, fmt: str) -> Path:
    """Write the export to a private temporary folder; the caller streams
    it and removes the folder (see views: the file is unlinked once open)."""
    workdir = Path(tempfile.mkdtemp(prefix="imis-export-"))
    try:
        if fmt == "xlsx":
            return xlsx_write(query, workdir / f"{query.what}.xlsx")
        return ogr_write(query, fmt, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise

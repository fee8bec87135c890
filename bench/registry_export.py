"""Export of 156,052 buildings through our export views.

Measured: ``GET /staff/registry/exports/buildings.<fmt>`` on the
municipality's host through the whole stack (Django test client: tenant
middleware, sign-in, role check, the filtered query, audit event, the
file and its download), for GeoPackage, zipped Shapefile and Excel.
Baselines, same run: ``ogr2ogr`` of the same SELECT straight from
PostgreSQL (GeoPackage; Shapefile, not zipped), and a bare openpyxl
write-only loop over the same rows from a server-side cursor (Excel).
CSV is reported for information against a bare COPY TO STDOUT.
Alternating rounds, mean of each.

The buildings are loaded by our importer from a generated GeoPackage.  A
database of its own (``imis_bench_regexp``), dropped at the end."""

import tempfile
from pathlib import Path

from bench.harness import Figure, mean, report, say, stopwatch
from bench.registry_common import (
    BUILDINGS,
    HOST,
    Stack,
    buildings_gpkg,
    municipality_make,
    ogr2ogr_timed,
)

NAME = "registry_export"
TIMEOUT_SECONDS = 25 * 60
DB = "imis_bench_regexp"
REDIS_DB = 12
ROUNDS = 2
TARGET_RATIO = 1.5


def run() -> None:
    with Stack(DB, REDIS_DB) as stack:
        municipality, user = municipality_make()
        _load(stack.tmp / "buildings.gpkg", user)
        from django.db import connection
        from django.test import Client

        from backoffice.registry.exporting.services import building_export_query
        from backoffice.registry.selectors import BuildingFilters

        client = Client(HTTP_HOST=HOST)
        client.force_login(user)
        spatial = building_export_query(actor=user, filters=BuildingFilters()).sql
        tabular = building_export_query(actor=user, filters=BuildingFilters(), wkt=True).sql
        connection.set_schema_to_public()  # as a request starts

        cases = [
            ("GeoPackage", "gpkg", lambda d: _ogr(spatial, "GPKG", d / "b.gpkg"), True),
            ("Shapefile (zipped)", "shp",
             lambda d: _ogr(spatial, "ESRI Shapefile", d / "b" / "b.shp", "-lco", "ENCODING=UTF-8"),
             True),
            ("Excel", "xlsx", lambda d: _openpyxl(tabular, d / "b.xlsx"), True),
            ("CSV", "csv", lambda d: _copy(tabular, d / "b.csv"), False),
        ]  # fmt: skip
        labels = {
            "gpkg": "ogr2ogr from PostgreSQL",
            "shp": "ogr2ogr from PostgreSQL, not zipped",
            "xlsx": "bare openpyxl write-only loop",
            "csv": "bare COPY TO STDOUT",
        }
        for label, fmt, baseline_fn, targeted in cases:
            ours, base = [], []
            for number in range(1, ROUNDS + 1):
                with tempfile.TemporaryDirectory(prefix="imis-bench-export-") as tmp:
                    base.append(_with_tenant(municipality, baseline_fn, Path(tmp)))
                ours.append(_view(client, fmt))
                say(f"{label} round {number}: baseline {base[-1]:.2f} s, ours {ours[-1]:.2f} s")
            report(
                Figure(
                    NAME,
                    f"export {BUILDINGS:,} buildings, {label}",
                    mean(ours),
                    "s",
                    mean(base),
                    labels[fmt],
                    TARGET_RATIO if targeted else None,
                    "ratio",
                    "lower",
                )
            )


def _load(path: Path, user) -> None:
    from django.core.files import File

    from backoffice.registry.importing.services import import_job_create, import_job_run

    buildings_gpkg(path)
    with stopwatch() as took, open(path, "rb") as handle:
        job = import_job_create(actor=user, kind="buildings", upload=File(handle, name=path.name))
        job = import_job_run(job_id=job.pk)
    if job.imported_rows != BUILDINGS:
        raise RuntimeError(f"loading failed: {job.status} {job.error}")
    say(f"{BUILDINGS:,} buildings loaded by our importer in {took[0]:.1f} s")


def _with_tenant(municipality, fn, tmp: Path) -> float:
    from django.db import connection

    connection.set_tenant(municipality)
    try:
        return fn(tmp)
    finally:
        connection.set_schema_to_public()


def _ogr(query: str, driver: str, out: Path, *extra: str) -> float:
    from django.db import connection

    out.parent.mkdir(parents=True, exist_ok=True)
    schema = connection.schema_name
    return ogr2ogr_timed(
        ["-f", driver, str(out), "{PG}", "-oo", f"ACTIVE_SCHEMA={schema}",
         "-oo", f"SCHEMAS={schema}", "-sql", query, "-nln", "buildings",
         "-nlt", "MULTIPOLYGON", "-a_srs", "EPSG:4326", *extra]
    )  # fmt: skip


def _openpyxl(query: str, out: Path) -> float:
    from django.db import connection, transaction
    from openpyxl import Workbook

    with stopwatch() as took:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("buildings")
        with transaction.atomic(), connection.connection.cursor(name="bench_xlsx") as cursor:
            cursor.itersize = 5000
            cursor.execute(query)
            sheet.append([c.name for c in cursor.description])
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    sheet.append(row)
        book.save(out)
    return took[0]


def _copy(query: str, out: Path) -> float:
    from django.db import connection

    with (
        stopwatch() as took,
        open(out, "wb") as fh,
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
    ):
        for data in copy:
            fh.write(data)
    return took[0]


def _view(client, fmt: str) -> float:
    with stopwatch() as took:
        response = client.get(f"/staff/registry/exports/buildings.{fmt}")
        if response.status_code != 200:
            raise RuntimeError(f"export .{fmt} answered {response.status_code}")
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
    if size < BUILDINGS * 20:
        raise RuntimeError(f"export .{fmt} is too small: {size} bytes")
    return took[0]

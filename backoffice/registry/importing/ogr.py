"""GDAL plumbing shared by imports and exports: what a dataset is (opened
read-only, its driver checked against the allow-list), and ogr2ogr runs
against this municipality's schema.

Never a shell: ogr2ogr gets an argument list; the database password goes
in the child's environment (PGPASSWORD), not on its command line where
``ps`` would show it.  Table and schema names are ones we generate."""

import os
import subprocess
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from backoffice.registry.importing.safety import DRIVERS

OGR2OGR = "ogr2ogr"
OGR_TIMEOUT_SECONDS = 60 * 20
# Column names tried, in order, for WKT geometry in a CSV file.
CSV_GEOMETRY_NAMES = "wkt,geometry,geom,the_geom"


@dataclass
class DatasetInfo:
    path: Path
    driver: str
    layer: str
    features: int
    srid: int | None  # EPSG code, None when the file states no coordinate system
    srs_unidentified: bool = False
    fields: list[str] = field(default_factory=list)
    has_geometry: bool = True


def _srid_of(srs: SpatialReference | None) -> tuple[int | None, bool]:
    if srs is None:
        return None, False
    with suppress(GDALException):
        srs.identify_epsg()
    for target in ("PROJCS", "GEOGCS", None):
        if srs.auth_name(target) == "EPSG":
            code = srs.auth_code(target)
            if code and code.isdigit():
                return int(code), False
    return None, True


def dataset_inspect(path: Path, *, kind: str) -> DatasetInfo:
    """Open the dataset read-only and check GDAL's driver is the one its
    name calls for (a .gpkg must be read as GeoPackage, and so on)."""
    expected = DRIVERS.get(path.suffix.lower())
    if expected is None:
        raise ValidationError(_("This kind of file is not read here."), code="driver")
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise ValidationError(
            _("The file could not be read as %(driver)s.") % {"driver": expected}, code="unreadable"
        ) from exc
    driver = source.driver.name
    if driver != expected:
        raise ValidationError(
            _("The file was read as %(found)s, not as %(expected)s: refused.")
            % {"found": driver, "expected": expected},
            code="driver",
        )
    layers = [source[i] for i in range(source.layer_count)]
    if not layers:
        raise ValidationError(_("The file has no layer."), code="layers")
    if len(layers) > 1:
        named = [layer for layer in layers if layer.name.lower() == kind]
        if len(named) != 1:
            raise ValidationError(
                _("The file has %(n)s layers; name the one to import “%(kind)s”.")
                % {"n": len(layers), "kind": kind},
                code="layers",
            )
        layers = named
    layer = layers[0]
    if layer.name.startswith("-") or not layer.name.strip():
        # ogr2ogr would read a layer named "-where" as an option (review finding).
        raise ValidationError(
            _("The layer name “%(name)s” is not allowed; rename the layer or file."),
            code="layer_name",
            params={"name": layer.name},
        )
    srid, unidentified = _srid_of(layer.srs)
    geometry = layer.geom_type.name not in ("None",)
    return DatasetInfo(
        path=path,
        driver=driver,
        layer=layer.name,
        features=len(layer),
        srid=srid,
        srs_unidentified=unidentified,
        fields=[name.lower() for name in layer.fields],
        has_geometry=geometry,
    )


def pg_conninfo(schema: str | None = None) -> tuple[str, dict[str, str]]:
    """The ``PG:`` datasource for ogr2ogr and the environment that goes with
    it (password and all), for the current database."""
    db = connection.settings_dict
    parts = {"dbname": db["NAME"], "host": db["HOST"], "port": str(db["PORT"] or "")}
    parts["user"] = db["USER"]
    text = " ".join(
        f"{key}='{value.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'"
        for key, value in parts.items()
        if value
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGAPPNAME": "imis-ogr2ogr",
        "PGCLIENTENCODING": "UTF8",
        # No network access from GDAL, whatever a file refers to.
        "GDAL_HTTP_TIMEOUT": "1",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    }
    if os.environ.get("HOME"):
        env["HOME"] = os.environ["HOME"]
    return f"PG:{text}", env


def ogr2ogr(
    args: list[str],
    *,
    env: dict[str, str],
    timeout: int = OGR_TIMEOUT_SECONDS,
    while_running: Callable[[], None] | None = None,
) -> str:
    """Run ogr2ogr; raises RuntimeError with its message when it fails.
    ``while_running`` is called while ogr2ogr works (on this process's own
    database connection); ogr2ogr is killed if it raises."""
    process = subprocess.Popen(
        [OGR2OGR, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if while_running is not None:
            while_running()
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    if process.returncode != 0:
        message = (stderr or stdout or "").strip().splitlines()
        raise RuntimeError("ogr2ogr failed: " + " / ".join(message[-3:]))
    return stderr


def stage_into_postgres(
    info: DatasetInfo,
    *,
    schema: str,
    table: str,
    srid: int | None,
    while_running: Callable[[], None] | None = None,
) -> None:
    """Copy the dataset, every attribute as text, into ``schema.table``
    (columns laundered to lower case; the source FID as ``src_fid``);
    ``while_running`` is called meanwhile (see :func:`ogr2ogr`)."""
    datasource, env = pg_conninfo()
    args = [
        "-f",
        "PostgreSQL",
        datasource,
        str(info.path),
        info.layer,
        "-doo",
        f"ACTIVE_SCHEMA={schema}",
        "-doo",
        f"SCHEMAS={schema}",
        "-nln",
        table,
        "-lco",
        f"SCHEMA={schema}",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-lco",
        "FID=src_fid",
        "-unsetFid",  # rows numbered 1, 2, ... in file order, whatever the format
        "-lco",
        "SPATIAL_INDEX=NONE",
        "-lco",
        "UNLOGGED=ON",  # a scratch table: no write-ahead log
        "-lco",
        "PRECISION=NO",
        "-lco",
        "OVERWRITE=YES",
        # Text and numbers stay as the file typed them (the checks read a
        # number column without parsing text); anything else becomes text.
        "-mapFieldType",
        "Date=String,Time=String,DateTime=String,Binary=String,IntegerList=String,"
        "Integer64List=String,RealList=String,StringList=String,String(JSON)=String,String(UUID)=String",
        "-dim",
        "XY",
        "-nlt",
        "GEOMETRY",
        "-gt",
        "65536",
        "--config",
        "PG_USE_COPY",
        "YES",
    ]
    if info.driver == "CSV":
        args += [
            "-oo",
            f"GEOM_POSSIBLE_NAMES={CSV_GEOMETRY_NAMES}",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
            "-oo",
            "AUTODETECT_TYPE=NO",
        ]
    elif info.driver == "XLSX":
        # GDAL 3.6's XLSX driver takes these as configuration, not open options.
        args += [
            "--config",
            "OGR_XLSX_HEADERS",
            "FORCE",
            "--config",
            "OGR_XLSX_FIELD_TYPES",
            "STRING",
        ]
    if srid:
        args += ["-a_srs", f"EPSG:{srid}"]
    if settings.DEBUG:
        args.append("-progress")
    ogr2ogr(args, env=env, while_running=while_running)

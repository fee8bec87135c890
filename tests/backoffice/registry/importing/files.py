"""Small registry files for import tests, written through ogr2ogr from a
GeoJSON we compose (so each format is a real one GDAL wrote)."""

import json
import subprocess
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.backoffice.registry.factories import footprint_in_ward

FORMATS = {
    "gpkg": ("GPKG", ".gpkg"),
    "shp": ("ESRI Shapefile", ".shp"),
    "csv": ("CSV", ".csv"),
    "xlsx": ("XLSX", ".xlsx"),
}


def building_row(ward: int = 1, index: int = 0, **props) -> dict:
    geometry = json.loads(footprint_in_ward(ward, index).json)
    base = {
        "structure": "pucca",
        "use": "residential",
        "floors": 2,
        "households": 3,
        "population": 12,
        "house_no": f"{index}/A",
    }
    return {"geometry": geometry, "properties": {**base, **props}}


def geojson_write(path: Path, rows: list[dict]) -> Path:
    features = [
        {"type": "Feature", "geometry": row.get("geometry"), "properties": row["properties"]}
        for row in rows
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def dataset_write(
    tmp: Path,
    rows: list[dict],
    fmt: str,
    *,
    layer: str = "buildings",
    srid=4326,
    extra_args: list[str] = (),
) -> Path:
    """A dataset of ``rows`` in ``fmt``; Shapefiles come back zipped."""
    driver, suffix = FORMATS[fmt]
    if fmt == "xlsx":  # GDAL's XLSX driver writes no geometry: WKT in a column
        return xlsx_write(tmp / f"{layer}.xlsx", rows, layer=layer)
    source = geojson_write(tmp / f"{layer}-src.geojson", rows)
    out_dir = tmp / f"out-{fmt}"
    out_dir.mkdir(exist_ok=True)
    target = out_dir / f"{layer}{suffix}"
    args = ["ogr2ogr", "-f", driver, str(target), str(source), "-nln", layer]
    if fmt == "csv":
        args += ["-lco", "GEOMETRY=AS_WKT", "-lco", "GEOMETRY_NAME=wkt"]
    if fmt == "shp":
        args += ["-lco", "ENCODING=UTF-8"]
    if srid != 4326:
        args += ["-t_srs", f"EPSG:{srid}"]
    args += list(extra_args)
    subprocess.run(args, check=True, capture_output=True)
    if fmt == "shp":
        archive = tmp / f"{layer}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for part in sorted(out_dir.iterdir()):
                zf.write(part, arcname=f"{layer}/{part.name}")
        return archive
    return target


def xlsx_write(path: Path, rows: list[dict], *, layer: str = "buildings") -> Path:
    from django.contrib.gis.geos import GEOSGeometry
    from openpyxl import Workbook

    names = sorted({name for row in rows for name in row["properties"]})
    book = Workbook(write_only=True)
    sheet = book.create_sheet(layer)
    sheet.append([*names, "wkt"])
    for row in rows:
        geometry = row.get("geometry")
        wkt = GEOSGeometry(json.dumps(geometry)).wkt if geometry else None
        sheet.append([row["properties"].get(name) for name in names] + [wkt])
    book.save(path)
    return path


def upload_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def square(x0: float, y0: float, size: float = 0.0001) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def bow_tie(x0: float, y0: float, size: float = 0.0001) -> dict:
    """Self-crossing: invalid, and ST_MakeValid repairs it into two triangles."""
    ring = [[x0, y0], [x0 + size, y0 + size], [x0 + size, y0], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def flat_ring(x0: float, y0: float, size: float = 0.0001) -> dict:
    """A polygon with no area: repairing it leaves no polygon."""
    ring = [[x0, y0], [x0 + size, y0], [x0 + 2 * size, y0], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}

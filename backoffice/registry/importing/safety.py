"""Upload hardening, without a database: file-name and size rules, and a
safe unpacking of zip archives (member count, unpacked size, no absolute
paths, no '..', no links, no nested archives)."""

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The dataset file we look for -> the only GDAL driver allowed to open it.
DRIVERS: dict[str, str] = {
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".csv": "CSV",
    ".xlsx": "XLSX",
}
UPLOAD_SUFFIXES = (".zip", ".gpkg", ".csv", ".xlsx")
# Side files a zipped Shapefile may carry; anything else in an archive is refused.
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd"}
ARCHIVE_MEMBER_SUFFIXES = SHAPEFILE_PARTS | set(DRIVERS) | {".csvt", ".txt"}
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    archive_members: int
    unpacked_bytes: int


def limits() -> Limits:
    return Limits(
        upload_bytes=settings.IMIS_IMPORT_MAX_UPLOAD_BYTES,
        archive_members=settings.IMIS_IMPORT_MAX_ARCHIVE_MEMBERS,
        unpacked_bytes=settings.IMIS_IMPORT_MAX_UNPACKED_BYTES,
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def upload_check(*, name: str, size: int) -> str:
    """The upload's suffix, after checking its name and size."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationError(
            _(
                "Upload a zipped Shapefile (.zip), a GeoPackage (.gpkg), "
                "CSV (.csv) or Excel (.xlsx)."
            ),
            code="suffix",
        )
    cap = limits().upload_bytes
    if size > cap:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": _megabytes(cap)}, code="size"
        )
    return suffix


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path, or an error for anything unsafe."""
    raw = info.filename.replace("\\", "/")
    path = PurePosixPath(raw)
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or ".." in path.parts:
        raise ValidationError(
            _("The archive has an unsafe path: %(name)s") % {"name": info.filename}, code="path"
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ValidationError(
            _("The archive has a link, which is not allowed: %(name)s") % {"name": info.filename},
            code="link",
        )
    if info.is_dir():
        return None
    if path.suffix.lower() not in ARCHIVE_MEMBER_SUFFIXES:
        raise ValidationError(
            _("The archive holds a file of a kind we do not read: %(name)s")
            % {"name": info.filename},
            code="member_kind",
        )
    return path


def archive_check(archive) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Check an open :class:`zipfile.ZipFile` from its directory alone."""
    cap = limits()
    infos = archive.infolist()
    if len(infos) > cap.archive_members:
        raise ValidationError(
            _("The archive has more than %(count)s files.") % {"count": cap.archive_members},
            code="members",
        )
    members = []
    declared = 0
    for info in infos:
        path = _member_path(info)
        declared += info.file_size
        if path is not None:
            members.append((info, path))
    if declared > cap.unpacked_bytes:
        raise ValidationError(
            _("The archive unpacks to more than %(limit)s MB.")
            % {"limit": _megabytes(cap.unpacked_bytes)},
            code="unpacked_size",
        )
    datasets = [p for _i, p in members if p.suffix.lower() in DRIVERS]
    if len(datasets) != 1:
        raise ValidationError(
            _(
                "The archive must hold exactly one dataset "
                "(.shp, .gpkg, .csv or .xlsx); found %(n)s."
            )
            % {"n": len(datasets)},
            code="datasets",
        )
    return members


def zip_open(path_or_file) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(_("The file is not a readable zip archive."), code="zip") from exc


def archive_extract(archive_path: Path, into: Path) -> Path:
    """Unpack into the private folder ``into``; returns the dataset's path.

    Sizes in the archive's directory can lie, so the bytes written are
    counted as they are written, and the limit holds regardless."""
    cap = limits().unpacked_bytes
    written = 0
    dataset = None
    root = into.resolve()
    with zip_open(archive_path) as archive:
        for info, rel in archive_check(archive):
            target = (root / rel).resolve()
            if root not in target.parents:
                raise ValidationError(_("The archive has an unsafe path."), code="path")
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "xb") as dst:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    if written > cap:
                        raise ValidationError(
                            _("The archive unpacks to more than %(limit)s MB.")
                            % {"limit": _megabytes(cap)},
                            code="unpacked_size",
                        )
                    dst.write(chunk)
            if rel.suffix.lower() in DRIVERS:
                dataset = target
    assert dataset is not None  # archive_check found exactly one
    return dataset


def upload_unpack(source, suffix: str, into: Path) -> Path:
    """Copy the stored upload into ``into`` (and unpack a zip); returns the
    dataset's path, under a name we chose."""
    into.mkdir(parents=True, exist_ok=True)
    if suffix == ".zip":
        local = into / "upload.zip"
        with open(local, "xb") as dst:
            shutil.copyfileobj(source, dst, _CHUNK)
        return archive_extract(local, into / "unpacked")
    local = into / f"dataset{suffix}"
    with open(local, "xb") as dst:
        shutil.copyfileobj(source, dst, _CHUNK)
    return local


# An .xlsx is itself a zip: GDAL holds its sheets in memory, so a small upload
# that unpacks to gigabytes would take the worker down (review finding).
MAX_COMPRESSION_RATIO = 200


def spreadsheet_check(archive: zipfile.ZipFile) -> None:
    cap = limits()
    members = archive.infolist()
    if len(members) > cap.archive_members:
        raise ValidationError(
            _("The spreadsheet has too many parts (%(n)s).") % {"n": len(members)},
            code="members",
        )
    unpacked = sum(info.file_size for info in members)
    ratio = max((info.file_size / max(info.compress_size, 1) for info in members), default=0)
    if unpacked > cap.unpacked_bytes or ratio > MAX_COMPRESSION_RATIO:
        raise ValidationError(
            _("The spreadsheet unpacks to more than %(limit)s MB.")
            % {"limit": _megabytes(cap.unpacked_bytes)},
            code="unpacked_size",
        )

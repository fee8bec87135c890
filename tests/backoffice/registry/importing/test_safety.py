"""Upload hardening: names, sizes, archive members, paths and links."""

import io
import stat
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from backoffice.registry.importing import safety


def _zip(members: dict[str, bytes], links: tuple[str, ...] = ()) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    buffer.seek(0)
    return buffer


SHAPEFILE = {"b/buildings.shp": b"x", "b/buildings.shx": b"x", "b/buildings.dbf": b"x"}


def _codes(members, links=()) -> str:
    with pytest.raises(ValidationError) as error, zipfile.ZipFile(_zip(members, links)) as zf:
        safety.archive_check(zf)
    return error.value.code


def test_a_plain_zipped_shapefile_passes():
    with zipfile.ZipFile(_zip({**SHAPEFILE, "b/buildings.prj": b"x"})) as zf:
        assert len(safety.archive_check(zf)) == 4


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.shp", "path"),
        ("b/../../evil.prj", "path"),
        ("/etc/evil.prj", "path"),
        ("C:/evil.prj", "path"),
        ("..\\evil.prj", "path"),
        ("b/run.sh", "member_kind"),
        ("b/inner.zip", "member_kind"),
    ],
)
def test_unsafe_members_are_refused(name, code):
    assert _codes({**SHAPEFILE, name: b"x"}) == code


def test_links_are_refused():
    assert _codes(SHAPEFILE, links=("b/buildings.prj",)) == "link"


def test_one_dataset_exactly():
    assert _codes({"a.prj": b"x"}) == "datasets"
    assert _codes({**SHAPEFILE, "other.gpkg": b"x"}) == "datasets"


@override_settings(IMIS_IMPORT_MAX_ARCHIVE_MEMBERS=3)
def test_member_count_is_limited():
    assert _codes({**SHAPEFILE, "b/buildings.prj": b"x"}) == "members"


@override_settings(IMIS_IMPORT_MAX_UNPACKED_BYTES=1000)
def test_unpacked_size_is_limited_from_the_directory():
    assert _codes({**SHAPEFILE, "b/buildings.dbf": b"0" * 5000}) == "unpacked_size"


def test_unpacked_size_is_counted_while_unpacking(tmp_path, settings):
    """A directory that lies about sizes still cannot unpack past the limit."""
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_zip({**SHAPEFILE, "b/buildings.dbf": b"0" * 50_000}).getvalue())
    settings.IMIS_IMPORT_MAX_UNPACKED_BYTES = 10_000
    original = safety.archive_check

    def lying_check(zf):  # as if the directory had claimed tiny sizes
        settings.IMIS_IMPORT_MAX_UNPACKED_BYTES = 10**9
        try:
            return original(zf)
        finally:
            settings.IMIS_IMPORT_MAX_UNPACKED_BYTES = 10_000

    safety.archive_check = lying_check
    try:
        with pytest.raises(ValidationError) as error:
            safety.archive_extract(archive, tmp_path / "out")
    finally:
        safety.archive_check = original
    assert error.value.code == "unpacked_size"


def test_extracting_keeps_everything_inside_the_folder(tmp_path):
    archive = tmp_path / "ok.zip"
    archive.write_bytes(_zip(SHAPEFILE).getvalue())
    dataset = safety.archive_extract(archive, tmp_path / "out")
    assert dataset == (tmp_path / "out" / "b" / "buildings.shp").resolve()


@pytest.mark.parametrize(
    ("name", "size", "code"),
    [("buildings.exe", 10, "suffix"), ("buildings.vrt", 10, "suffix"), ("a.gpkg", 10**12, "size")],
)
def test_upload_name_and_size(name, size, code):
    with pytest.raises(ValidationError) as error:
        safety.upload_check(name=name, size=size)
    assert error.value.code == code


def test_a_layer_named_like_an_ogr2ogr_option_is_refused(tmp_path):
    import subprocess

    from backoffice.registry.importing import ogr
    from tests.backoffice.registry.importing.files import building_row, dataset_write

    path = dataset_write(tmp_path, [building_row()], "gpkg")
    subprocess.run(
        ["ogrinfo", str(path), "-sql", 'ALTER TABLE buildings RENAME TO "-where"'],
        check=True,
        capture_output=True,
    )
    with pytest.raises(ValidationError) as error:
        ogr.dataset_inspect(path, kind="buildings")
    assert error.value.code == "layer_name"


def test_a_spreadsheet_that_unpacks_to_gigabytes_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 2_000_000)  # 12 MB of zeros-ish
    buffer.seek(0)
    with pytest.raises(ValidationError) as error, zipfile.ZipFile(buffer) as zf:
        safety.spreadsheet_check(zf)
    assert error.value.code == "unpacked_size"


@override_settings(IMIS_IMPORT_MAX_ARCHIVE_MEMBERS=3)
def test_a_spreadsheet_with_too_many_parts_is_refused():
    members = {f"xl/part{i}.xml": b"<x/>" for i in range(5)}
    with pytest.raises(ValidationError) as error, zipfile.ZipFile(_zip(members)) as zf:
        safety.spreadsheet_check(zf)
    assert error.value.code == "members"

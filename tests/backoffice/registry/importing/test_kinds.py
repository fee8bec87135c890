"""Holdings, roads and wards imports."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError

from backoffice.registry.codes import holding_code_parse
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_job_create, import_job_run
from backoffice.registry.models import ChangeRecord, Holding, Road, Ward
from tests.backoffice.registry.factories import building_make, ward_square
from tests.backoffice.registry.importing.files import dataset_write, upload_of
from tests.conftest import staff_user

pytestmark = pytest.mark.django_db


def _run(tenant, path, kind, user="gis_officer", **options) -> ImportJob:
    job = import_job_create(
        actor=staff_user(tenant, user), kind=kind, upload=upload_of(path), **options
    )
    return import_job_run(job_id=job.pk)


def _report(job) -> dict[int, dict]:
    with job.report.open("rb") as fh:
        rows = csv.DictReader(io.StringIO(fh.read().decode("utf-8-sig")))
        return {int(r["row"]): r for r in rows}


def _holding(code, **props):
    return {"geometry": None, "properties": {"code": code, "type": "residential", **props}}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_holdings_import_checks_codes_as_the_forms_do(registry_a, tmp_path, fmt):
    b1, b2 = building_make(ward=1, index=0), building_make(ward=1, index=1)
    rows = [
        _holding("০১-০০১-০০০১-০০", annual_val="24000.50", address="১২ কেডিএ এভিনিউ",
                 bins=f"{b1.bin},{b2.bin}"),
        _holding("01 002 0002 00"),
        _holding("01-002-0002-00"),  # the same code as row 2, once normalised
        _holding("01-0A1-0001-00"),
        _holding("09-001-0001-00"),  # no ward 9 here
        _holding("02-001-0001-00", bins="KHU-0000000"),
        _holding("02-001-0002-00", type="palace"),
        _holding("02-001-0003-00", annual_val="-5"),
    ]  # fmt: skip
    job = _run(registry_a, dataset_write(tmp_path, rows, fmt, layer="holdings"), "holdings",
               user="revenue_chief", accept_valid_rows=True)  # fmt: skip
    assert job.status == ImportJob.Status.DONE, (job.error, job.report and _report(job))
    assert job.imported_rows == 1 and job.rejected_rows == 7
    holding = Holding.objects.get()
    assert holding.code == "01-001-0001-00" and holding.ward.number == 1
    assert str(holding.annual_value) == "24000.50" and holding.address == "১২ কেডিএ এভিনিউ"
    assert sorted(holding.buildings.values_list("bin", flat=True)) == sorted([b1.bin, b2.bin])
    record = ChangeRecord.objects.get(model="holding", object_id=holding.pk)
    assert record.changes["buildings"] == [[], sorted([b1.bin, b2.bin])]
    report = _report(job)
    assert {n: r["reason codes"] for n, r in report.items()} == {
        2: "code:duplicate_in_file",
        3: "code:duplicate_in_file",
        4: "code:invalid",
        5: "code:ward_unknown",
        6: "bins:unknown",
        7: "type:choice",
        8: "annual_val:invalid",
    }
    # The message is the one backoffice.registry.codes gives a form.
    with pytest.raises(ValidationError) as parsed:
        holding_code_parse("01-0A1-0001-00")
    assert report[4]["reasons"] == " ".join(parsed.value.messages)


def test_a_holding_code_already_registered_is_rejected(registry_a, tmp_path):
    from tests.backoffice.registry.factories import holding_make

    holding_make(code="01-001-0001-00")
    job = _run(registry_a, dataset_write(tmp_path, [_holding("01001000100")], "csv",
                                         layer="holdings"), "holdings")  # fmt: skip
    assert job.status == ImportJob.Status.REJECTED
    assert _report(job)[1]["reason codes"] == "code:exists"


def test_roads_import(registry_a, tmp_path):
    x, y = 89.551, 22.821
    line = {"type": "LineString", "coordinates": [[x, y], [x + 0.005, y + 0.001]]}
    far = {"type": "LineString", "coordinates": [[90.5, 24.0], [90.51, 24.0]]}
    rows = [
        {"geometry": line, "properties": {"code": "R-1", "name_bn": "খান জাহান আলী সড়ক",
                                          "class": "main", "width_m": "12.5"}},
        {"geometry": far, "properties": {"code": "R-2", "class": "lane"}},
        {"geometry": line, "properties": {"code": "R-3", "class": "highway"}},
    ]  # fmt: skip
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg", layer="roads"), "roads",
               accept_valid_rows=True)  # fmt: skip
    assert job.status == ImportJob.Status.DONE, job.error
    road = Road.objects.get()
    assert (road.code, road.name_bn, str(road.width_m)) == ("R-1", "খান জাহান আলী সড়ক", "12.50")
    assert road.line.geom_type == "MultiLineString"
    assert {n: r["reason codes"] for n, r in _report(job).items()} == {
        2: "location:outside",
        3: "class:choice",
    }


def test_wards_import(tenant_a, tmp_path):
    from django.db import connection

    connection.set_tenant(tenant_a)
    square = {"type": "Polygon", "coordinates": [list(ward_square(1)[0][0].coords)]}
    moved = {"type": "Polygon", "coordinates": [[[c[1], c[0]] for c in square["coordinates"][0]]]}
    rows = [
        {"geometry": square, "properties": {"number": 1, "name_en": "Ward 1",
                                            "name_bn": "ওয়ার্ড ১"}},
        {"geometry": moved, "properties": {"number": 2, "name_en": "Swapped",
                                           "name_bn": "উল্টো"}},
        {"geometry": square, "properties": {"number": 3, "name_en": "No Bangla"}},
    ]  # fmt: skip
    job = _run(tenant_a, dataset_write(tmp_path, rows, "shp", layer="wards"), "wards",
               accept_valid_rows=True)  # fmt: skip
    assert job.status == ImportJob.Status.DONE, job.error
    ward = Ward.objects.get()
    assert (ward.number, ward.name_bn) == (1, "ওয়ার্ড ১")
    assert {n: r["reason codes"] for n, r in _report(job).items()} == {
        2: "location:outside_country",  # latitude and longitude swapped
        3: "name_bn:required",
    }


def test_drains_import(registry_a, tmp_path):
    from django.contrib.gis.geos import LineString, MultiLineString

    from backoffice.registry.models import Drain

    x, y = 89.551, 22.821
    road = Road.objects.create(
        code="R-7", road_class="lane", line=MultiLineString(LineString((x, y), (x + 0.004, y)))
    )
    line = {"type": "LineString", "coordinates": [[x, y], [x + 0.004, y]]}
    far = {"type": "LineString", "coordinates": [[90.5, 24.0], [90.51, 24.0]]}
    spot = {"type": "Point", "coordinates": [x, y]}
    rows = [
        {"geometry": line, "properties": {"code": "D-1", "kind": "open", "road": "R-7"}},
        {"geometry": line, "properties": {"code": "D-2", "kind": "covered"}},
        {"geometry": far, "properties": {"code": "D-3", "kind": "open"}},
        {"geometry": line, "properties": {"code": "D-4", "kind": "open", "road": "R-404"}},
        {"geometry": line, "properties": {"code": "D-1", "kind": "open"}},
        {"geometry": spot, "properties": {"code": "D-6", "kind": "open"}},
        {"geometry": line, "properties": {"code": "D-7", "kind": "sewer"}},
    ]  # fmt: skip
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg", layer="drains"), "drains",
               accept_valid_rows=True)  # fmt: skip
    assert job.status == ImportJob.Status.DONE, job.error
    drain = Drain.objects.get()
    assert (drain.code, drain.kind, drain.road_id) == ("D-2", "covered", None)
    assert drain.line.geom_type == "MultiLineString"
    assert {n: r["reason codes"] for n, r in _report(job).items()} == {
        1: "code:duplicate_in_file",
        3: "location:outside",
        4: "road:unknown",
        5: "code:duplicate_in_file",
        6: "geometry:type",
        7: "kind:choice",
    }
    rows = [{"geometry": line, "properties": {"code": "D-8", "kind": "open", "road": "R-7"}}]
    job = _run(registry_a, dataset_write(tmp_path, rows, "csv", layer="drains"), "drains")
    assert job.status == ImportJob.Status.DONE, job.error
    assert Drain.objects.get(code="D-8").road_id == road.pk
    assert ChangeRecord.objects.filter(model="drain", action="create").count() == 2


def test_waterbodies_import(registry_a, tmp_path):
    from backoffice.registry.models import Waterbody

    x, y = 89.551, 22.821
    pond = {"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001],
                                                [x, y + 0.001], [x, y]]]}  # fmt: skip
    far = {"type": "Polygon", "coordinates": [[[90.5, 24.0], [90.51, 24.0], [90.51, 24.01],
                                               [90.5, 24.0]]]}  # fmt: skip
    rows = [
        {"geometry": pond, "properties": {"name_bn": "বড় পুকুর", "kind": "pond"}},
        {"geometry": pond, "properties": {"name_en": "Same outline, another pond", "kind": "pond"}},
        {"geometry": far, "properties": {"kind": "lake"}},
        {"geometry": pond, "properties": {"kind": "sea"}},
    ]  # fmt: skip
    job = _run(registry_a, dataset_write(tmp_path, rows, "shp", layer="waterbodies"),
               "waterbodies", accept_valid_rows=True)  # fmt: skip
    assert job.status == ImportJob.Status.DONE, job.error
    assert sorted(Waterbody.objects.values_list("name_bn", "kind")) == [
        ("", "pond"),
        ("বড় পুকুর", "pond"),
    ]
    assert {n: r["reason codes"] for n, r in _report(job).items()} == {
        3: "location:outside",
        4: "kind:choice",
    }

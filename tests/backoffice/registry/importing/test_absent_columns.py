"""A file without some of a kind's columns: their cells are constants in the
checks (never parsed or carried a row at a time), with the verdicts a file
of empty cells would get: a required column missing rejects every row, a
missing optional column takes its default, and a missing key column is not
compared with the register or within the file."""

import csv
import io

import pytest

from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_job_create, import_job_run
from backoffice.registry.models import Building, Road
from tests.backoffice.registry.importing.files import building_row, dataset_write, upload_of
from tests.conftest import staff_user

pytestmark = pytest.mark.django_db


def _run(tenant, path, kind, **options) -> ImportJob:
    job = import_job_create(
        actor=staff_user(tenant, "gis_officer"), kind=kind, upload=upload_of(path), **options
    )
    return import_job_run(job_id=job.pk)


def _reasons(job) -> dict[int, str]:
    with job.report.open("rb") as fh:
        rows = csv.DictReader(io.StringIO(fh.read().decode("utf-8-sig")))
        return {int(r["row"]): r["reason codes"] for r in rows}


def _without(row: dict, *names: str) -> dict:
    return {**row, "properties": {k: v for k, v in row["properties"].items() if k not in names}}


def test_a_missing_required_column_rejects_every_row(registry_a, tmp_path):
    rows = [_without(building_row(1, i), "structure") for i in range(3)]
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg"), "buildings")
    assert job.status == ImportJob.Status.REJECTED
    assert _reasons(job) == {1: "structure:required", 2: "structure:required",
                             3: "structure:required"}  # fmt: skip
    assert not Building.objects.exists()


def test_missing_optional_columns_take_their_defaults(registry_a, tmp_path):
    rows = [_without(building_row(1, i), "floors", "households", "population", "house_no")
            for i in range(2)]  # fmt: skip
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg"), "buildings")
    assert job.status == ImportJob.Status.DONE, job.error
    building = Building.objects.order_by("bin").first()
    assert (building.floors, building.households, building.population) == (1, 0, 0)
    assert building.house_number == "" and building.status == "active"
    assert building.water_source == "" and building.bin  # allocated: the file has no BINs


def test_a_missing_key_column_is_required_not_compared(registry_a, tmp_path):
    x, y = 89.551, 22.821
    line = {"type": "LineString", "coordinates": [[x, y], [x + 0.005, y + 0.001]]}
    rows = [{"geometry": line, "properties": {"class": "main"}} for _ in range(2)]
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg", layer="roads"), "roads")
    assert job.status == ImportJob.Status.REJECTED
    assert _reasons(job) == {1: "code:required", 2: "code:required"}
    assert not Road.objects.exists()

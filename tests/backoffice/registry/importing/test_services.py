"""Imports through the service, in the test's transaction (the staging by
ogr2ogr runs on its own connection and reads only the file)."""

import csv
import io

import pytest

from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_job_create, import_job_run
from backoffice.registry.models import Building, ChangeRecord
from tenants.audit.models import AuditEvent
from tests.backoffice.registry.importing.files import building_row, dataset_write, upload_of
from tests.conftest import staff_user

pytestmark = pytest.mark.django_db


def _run(tenant, path, *, kind="buildings", user="gis_officer", **options) -> ImportJob:
    actor = staff_user(tenant, user)
    job = import_job_create(actor=actor, kind=kind, upload=upload_of(path), **options)
    return import_job_run(job_id=job.pk)


def _report_rows(job) -> list[dict]:
    with job.report.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "csv", "xlsx"])
def test_buildings_import_happy_path(registry_a, tmp_path, fmt):
    rows = [building_row(1, i, house_no=f"বাড়ি {i}") for i in range(3)] + [building_row(2, 0)]
    job = _run(registry_a, dataset_write(tmp_path, rows, fmt))
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.total_rows, job.valid_rows, job.rejected_rows, job.imported_rows) == (4, 4, 0, 4)
    buildings = list(Building.objects.order_by("bin"))
    assert len(buildings) == 4
    assert [b.ward.number for b in buildings] == [1, 1, 1, 2]
    assert buildings[0].house_number == "বাড়ি 0"
    assert buildings[0].bin == "KHU-0000001" or buildings[0].bin.startswith("KHU-")
    history = ChangeRecord.objects.filter(model="building", action="create")
    assert history.count() == 4
    record = history.get(object_id=buildings[0].pk)
    assert record.actor_username == "gis_officer"
    assert record.changes["bin"] == [None, buildings[0].bin]
    assert record.changes["floors"] == [None, 2]
    assert AuditEvent.objects.filter(action="registry.import", object_id=str(job.pk)).exists()

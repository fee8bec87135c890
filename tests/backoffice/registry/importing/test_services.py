"""Imports through the service, in the test's transaction (the staging by
ogr2ogr runs on its own connection and reads only the file)."""

import csv
import io

import pytest

from backoffice.registry import selectors
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_job_create, import_job_run
from backoffice.registry.models import Building, ChangeRecord
from tenants.audit.models import AuditEvent
from tests.backoffice.registry.factories import footprint_in_ward
from tests.backoffice.registry.importing.files import (
    bow_tie,
    building_row,
    dataset_write,
    flat_ring,
    upload_of,
)
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
    # One history record for the import; every building names its job and
    # its history shows that record.
    assert not ChangeRecord.objects.filter(model="building", action="create").exists()
    record = ChangeRecord.objects.get(model="building", action="import")
    assert record.object_id == job.pk
    assert record.actor_username == "gis_officer"
    assert record.changes == {
        "import_job": [None, job.pk],
        "file": [None, job.original_name],
        "rows": [None, 4],
    }
    assert {b.import_job for b in buildings} == {job.pk}
    history = list(selectors.change_history(actor=None, instance=buildings[0]))
    assert history == [record]
    assert AuditEvent.objects.filter(action="registry.import", object_id=str(job.pk)).exists()


def test_an_imported_buildings_history_is_its_import_then_its_own_changes(registry_a, tmp_path):
    from backoffice.registry.services import building_update

    job = _run(
        registry_a, dataset_write(tmp_path, [building_row(1, 0), building_row(1, 1)], "gpkg")
    )
    assert job.status == ImportJob.Status.DONE, job.error
    first, second = Building.objects.order_by("bin")
    building_update(actor=staff_user(registry_a, "gis_officer"), building=first, floors=9)
    history = list(selectors.change_history(actor=None, instance=first))
    assert [r.action for r in history] == ["update", "import"]
    # Another import's record whose job number is this building's id is not its history.
    stray = ChangeRecord.objects.create(model="building", object_id=second.pk, action="import")
    if second.pk != job.pk:
        assert stray not in list(selectors.change_history(actor=None, instance=second))
    assert [r.action for r in selectors.change_history(actor=None, instance=second)] == ["import"]


def _problem_rows(existing_bin: str) -> list[tuple[dict, str | None]]:
    """(row, the one reason it is rejected for); None for good rows."""
    x, y = 89.551, 22.821  # inside ward 1

    def row(index, geometry="square", **props):
        r = building_row(1, index, **props)
        if geometry == "none":
            r["geometry"] = None
        elif geometry != "square":
            r["geometry"] = geometry
        return r

    return [
        (row(0), None),
        (row(1, bow_tie(x + 0.001, y)), None),  # repaired, kept
        (row(2, "none"), "geometry:missing"),
        (row(3, {"type": "Point", "coordinates": [x, y]}), "geometry:type"),
        (row(4, flat_ring(x + 0.002, y)), "geometry:invalid"),
        (building_row(9, 0), "location:outside"),  # ward 9 is not in the 2 x 2 grid
        (row(6, road="R-404"), "road:unknown"),
        (row(7, bin="XYZ-1"), "bin:format"),
        (row(8, bin="KHU-0000900"), "bin:duplicate_in_file"),
        (row(9, bin="KHU-0000900"), "bin:duplicate_in_file"),
        (row(10, bin=existing_bin), "bin:exists"),
        (row(11, floors="abc"), "floors:invalid"),
        (row(12, floors=0), "floors:range"),
        (row(13, structure=None), "structure:required"),
        (row(14, use="castle"), "use:choice"),
        (row(15, low_income="maybe"), "low_income:invalid"),
        (row(16, house_no="x" * 31), "house_no:too_long"),
    ]


def test_each_rejection_reason_is_reported_and_nothing_is_imported(registry_a, tmp_path):
    from tests.backoffice.registry.factories import building_make

    existing = building_make(ward=2, index=30)
    cases = _problem_rows(existing.bin)
    job = _run(registry_a, dataset_write(tmp_path, [r for r, _ in cases], "gpkg"))
    assert job.status == ImportJob.Status.REJECTED, job.error
    assert (job.total_rows, job.valid_rows, job.rejected_rows) == (17, 2, 15)
    assert job.repaired_rows == 1 and job.imported_rows == 0
    assert list(Building.objects.values_list("bin", flat=True)) == [existing.bin]
    report = {int(r["row"]): r for r in _report_rows(job)}
    expected = {n: why for n, (_row, why) in enumerate(cases, start=1) if why}
    assert {n: r["reason codes"] for n, r in report.items()} == expected
    assert "outside every ward" in report[6]["reasons"]
    assert report[12]["floors"] == "abc"  # the value as the file had it


def test_accepting_the_valid_rows_imports_them(registry_a, tmp_path):
    from tests.backoffice.registry.factories import building_make

    cases = _problem_rows(building_make(ward=2, index=30).bin)
    job = _run(
        registry_a,
        dataset_write(tmp_path, [r for r, _ in cases], "gpkg"),
        accept_valid_rows=True,
    )
    assert job.status == ImportJob.Status.DONE
    assert (job.imported_rows, job.rejected_rows, job.repaired_rows) == (2, 15, 1)
    repaired = Building.objects.get(house_number="1/A")
    assert repaired.footprint.valid and repaired.footprint.geom_type == "MultiPolygon"
    assert len(_report_rows(job)) == 15


def test_a_bin_of_this_municipality_is_kept_and_the_sequence_moves_past_it(registry_a, tmp_path):
    from backoffice.registry.codes import bin_format
    from backoffice.registry.services import bin_allocate

    def number(bin_: str) -> int:
        return int(bin_.removeprefix("KHU-"))

    ahead = number(bin_allocate()) + 1000  # a number the sequence has not reached
    given = bin_format(prefix="KHU-", digits=7, number=ahead)
    rows = [building_row(1, 0, bin=given), building_row(1, 1)]
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg"))
    assert job.status == ImportJob.Status.DONE
    kept = Building.objects.get(house_number="0/A")
    new = Building.objects.get(house_number="1/A")
    assert kept.bin == given
    assert number(new.bin) == ahead + 1  # allocated after the kept one, never below
    assert number(bin_allocate()) == ahead + 2


def test_bin_formatting_in_sql_matches_bin_format():
    from django.db import connection
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from backoffice.registry.codes import bin_format

    @settings(max_examples=200, deadline=None)
    @given(
        prefix=st.text(alphabet="ABKHU-", max_size=4),
        digits=st.integers(min_value=4, max_value=12),
        number=st.integers(min_value=1, max_value=10**14),
    )
    def check(prefix, digits, number):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s || lpad(%s::text, greatest(%s, length(%s::text)), '0')",
                [prefix, number, digits, number],
            )
            assert cursor.fetchone()[0] == bin_format(prefix=prefix, digits=digits, number=number)

    check()


def test_a_file_in_utm_is_reprojected(registry_a, tmp_path):
    rows = [building_row(1, 0), building_row(2, 3)]
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg", srid=32645))
    assert job.status == ImportJob.Status.DONE, job.error
    building = Building.objects.get(house_number="0/A")
    assert building.footprint.srid == 4326
    expected = footprint_in_ward(1, 0)
    assert building.footprint.centroid.distance(expected.centroid) < 1e-6
    assert building.ward.number == 1


def test_a_shapefile_without_prj_needs_the_epsg_code(registry_a, tmp_path):
    import zipfile

    archive = dataset_write(tmp_path, [building_row(1, 0)], "shp")
    stripped = tmp_path / "noprj.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(stripped, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith(".prj"):
                dst.writestr(info, src.read(info))
    job = _run(registry_a, stripped)
    assert job.status == ImportJob.Status.FAILED and "EPSG" in job.error
    assert not Building.objects.exists()
    job = _run(registry_a, stripped, source_srid=4326)
    assert job.status == ImportJob.Status.DONE, job.error


def test_a_file_that_is_not_what_its_name_says_is_refused(registry_a, tmp_path):
    fake = tmp_path / "buildings.gpkg"
    fake.write_text("bin,wkt\nKHU-1,POINT(1 2)\n")
    job = _run(registry_a, fake)
    assert job.status == ImportJob.Status.FAILED
    assert "GeoPackage" in job.error or "GPKG" in job.error


def test_a_finished_job_run_again_does_nothing(registry_a, tmp_path):
    job = _run(registry_a, dataset_write(tmp_path, [building_row(1, 0)], "gpkg"))
    assert job.status == ImportJob.Status.DONE
    again = import_job_run(job_id=job.pk)
    assert again.status == ImportJob.Status.DONE
    assert Building.objects.count() == 1
    assert ChangeRecord.objects.filter(model="building").count() == 1  # the import's one


def test_only_allowed_roles_may_import_each_kind(registry_a, tmp_path):
    from django.core.exceptions import PermissionDenied

    path = dataset_write(tmp_path, [building_row(1, 0)], "gpkg")
    with pytest.raises(PermissionDenied):
        import_job_create(
            actor=staff_user(registry_a, "revenue_chief"), kind="buildings", upload=upload_of(path)
        )
    with pytest.raises(PermissionDenied):
        import_job_create(
            actor=staff_user(registry_a, "viewer"), kind="holdings", upload=upload_of(path)
        )


def test_the_report_keeps_formulas_as_text_and_the_importer_reads_them_back(registry_a, tmp_path):
    rows = [
        building_row(1, 0, house_no="'=1+2"),  # as our CSV exports write it
        building_row(1, 1, house_no="=HYPERLINK(1)", use="castle"),
    ]
    job = _run(registry_a, dataset_write(tmp_path, rows, "csv"), accept_valid_rows=True)
    assert job.status == ImportJob.Status.DONE, job.error
    assert Building.objects.get().house_number == "=1+2"
    (reported,) = _report_rows(job)
    assert reported["house_no"] == "'=HYPERLINK(1)"


def _building_table_definition() -> set[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
            " WHERE 'registry_building'::regclass IN (k.conrelid, k.confrelid)"
            " UNION ALL SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)"
            " FROM pg_index WHERE indrelid = 'registry_building'::regclass"
        )
        return set(cursor.fetchall())


def test_a_bulk_load_builds_the_indexes_and_foreign_keys_again(registry_a, tmp_path, monkeypatch):
    from backoffice.registry.importing import services, writers

    Building.objects.all().delete()
    monkeypatch.setattr(writers, "BULK_ROWS", 2)
    dropped = []
    original = services._bulk_foreign_keys_drop

    def spy(spec, schema):
        dropped.extend(original(spec, schema))
        return dropped

    monkeypatch.setattr(services, "_bulk_foreign_keys_drop", spy)
    keys = []
    original_keys = services._bulk_keys_drop
    monkeypatch.setattr(
        services,
        "_bulk_keys_drop",
        lambda spec, schema: keys.extend(original_keys(spec, schema)) or keys,
    )
    before = _building_table_definition()
    rows = [building_row(1, i) for i in range(3)] + [building_row(2, 0)]
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg"))
    assert job.status == ImportJob.Status.DONE, job.error
    assert {name for _t, name, _d in dropped} >= {
        name for name, d in before if d.startswith("FOREIGN KEY (ward_id)")
    }
    # The primary key and the BIN's unique constraint went too, with the
    # other tables' foreign keys to the buildings (first the keys, to be
    # added again before those), and came back with the rest.
    definitions = [(table, d) for table, _n, d in keys]
    assert definitions[:2] == [
        ("registry_building", "PRIMARY KEY (id)"),
        ("registry_building", "UNIQUE (bin)"),
    ]
    referring = {table for table, d in definitions[2:] if "REFERENCES" in d}
    assert {"registry_buildingholding", "water_connection", "fsm_containmentbuilding"} <= referring
    # The other tables' keys came back NOT VALID (their rows refer to
    # buildings the import kept); the statistics task validates them.
    after = _building_table_definition()
    assert {n for n, d in after - before} == {n for n, d in before - after}
    assert all(d.endswith(" NOT VALID") for _n, d in after - before)
    assert {n for n, _d in after - before} == {
        name for table, name, _d in keys if table != "registry_building"
    }
    services.import_statistics_refresh(kind="buildings")
    assert _building_table_definition() == before
    assert [b.ward.number for b in Building.objects.order_by("bin")] == [1, 1, 1, 2]
    assert ChangeRecord.objects.filter(model="building", action="import").count() == 1
    assert Building.objects.filter(import_job=job.pk).count() == 4


def test_a_bulk_load_keeps_the_links_of_the_buildings_already_registered(
    registry_a, tmp_path, monkeypatch
):
    """The other tables' foreign keys to the buildings are dropped for a
    bulk load and added again, checking the rows they hold."""
    from django.db import IntegrityError, connection, transaction

    from backoffice.registry.importing import writers
    from backoffice.registry.models import BuildingHolding
    from tests.backoffice.registry.factories import building_make, holding_make

    Building.objects.all().delete()
    monkeypatch.setattr(writers, "BULK_ROWS", 2)
    kept = building_make(ward=1, index=40)
    holding_make(code="01-001-0040-00", buildings=[kept])
    rows = [building_row(1, i) for i in range(3)]
    job = _run(registry_a, dataset_write(tmp_path, rows, "gpkg"))
    assert job.status == ImportJob.Status.DONE, job.error
    assert Building.objects.count() == 4
    assert BuildingHolding.objects.get().building_id == kept.pk
    with pytest.raises(IntegrityError, match="violates foreign key"), transaction.atomic():
        BuildingHolding.objects.filter(building=kept).update(building_id=kept.pk + 10**9)
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")  # the key is back


def test_a_job_that_keeps_killing_workers_is_abandoned(registry_a, tmp_path):
    from backoffice.registry.importing.services import MAX_ATTEMPTS

    path = dataset_write(tmp_path, [building_row(1, 0)], "gpkg")
    actor = staff_user(registry_a, "gis_officer")
    job = import_job_create(actor=actor, kind="buildings", upload=upload_of(path))
    # as if the worker had died MAX_ATTEMPTS times mid-run
    ImportJob.objects.filter(pk=job.pk).update(attempts=MAX_ATTEMPTS, status="running")
    before = Building.objects.count()
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and "abandoned" in job.error
    assert Building.objects.count() == before


@pytest.mark.parametrize("fmt", ["gpkg", "csv"])
def test_numbers_stored_as_numbers_get_the_same_verdicts_as_numbers_in_text(
    registry_a, tmp_path, fmt
):
    """A GeoPackage keeps floors as a real number column and households as
    an integer one (staged as numbers, read without parsing text); a CSV
    has the same values as text.  Both give the same verdicts."""
    cases = [
        (building_row(1, 0, floors=3.0, households=4), None),
        (building_row(1, 1, floors=2.5, households=4), "floors:invalid"),
        (building_row(1, 2, floors=2.0, households=-1), "households:range"),
        (building_row(1, 3, floors=1.0, households=10**13), "households:invalid"),
    ]
    job = _run(
        registry_a,
        dataset_write(tmp_path, [r for r, _ in cases], fmt),
        accept_valid_rows=True,
    )
    assert job.status == ImportJob.Status.DONE, job.error
    report = {int(r["row"]): r["reason codes"] for r in _report_rows(job)}
    assert report == {n: why for n, (_row, why) in enumerate(cases, start=1) if why}
    assert list(Building.objects.values_list("floors", "households")) == [(3, 4)]


def test_an_import_retires_the_map_tiles_of_the_layers_it_changed(registry_a, tmp_path):
    from django_tenants.utils import schema_context

    from maps.cache import layer_version

    with schema_context(registry_a.schema_name):
        before = layer_version("buildings")
    job = _run(registry_a, dataset_write(tmp_path, [building_row(1, 0)], "gpkg"))
    assert job.status == ImportJob.Status.DONE, job.error
    with schema_context(registry_a.schema_name):
        assert layer_version("buildings") > before


@pytest.mark.parametrize("fmt", ["gpkg", "csv"])
def test_choices_and_yes_no_in_any_case_get_the_same_values(registry_a, tmp_path, fmt):
    """A cell written as the choice is (the common case, read without
    lower()) and one in capitals or with spaces give the same value."""
    rows = [
        building_row(1, 0, structure="pucca", use="residential", low_income=1),
        building_row(1, 1, structure="Pucca", use=" COMMERCIAL ", low_income="Yes"),
        building_row(1, 2, structure="TIN_SHED", use="Mixed", low_income="no"),
        building_row(1, 3, structure="kutcha", use="education", low_income=0),
    ]
    job = _run(registry_a, dataset_write(tmp_path, rows, fmt))
    assert job.status == ImportJob.Status.DONE, job.error
    got = list(Building.objects.order_by("bin").values_list("structure_type", "use", "low_income"))
    assert got == [
        ("pucca", "residential", True),
        ("pucca", "commercial", True),
        ("tin_shed", "mixed", False),
        ("kutcha", "education", False),
    ]

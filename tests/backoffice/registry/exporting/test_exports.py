"""Exports: every format, filters, Bangla intact, round trip through the
importer, the role matrix, the audit trail (two municipalities apart:
tests/isolation/test_registry_files.py)."""

import csv
import io
import zipfile

import pytest
from django.contrib.gis.gdal import DataSource
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.registry.exporting.services import EXPORT_ROLES
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_job_create, import_job_run
from backoffice.registry.models import Building, Holding
from tenants.audit.models import AuditEvent
from tests.conftest import login, staff_user
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

pytestmark = pytest.mark.django_db

BUILDING_FORMATS = ("csv", "xlsx", "gpkg", "shp")
HOLDING_FORMATS = ("csv", "xlsx", "gpkg")
FIELDS = (
    "bin", "ward__number", "house_number", "floors", "structure_type", "use", "households",
    "population", "construction_year", "water_source", "sanitation_system", "low_income",
    "status",
)  # fmt: skip


def get_ok(client, path) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def rows_of(data: bytes, fmt: str, tmp_path) -> list[dict]:
    """Rows of an exported file, as plain strings keyed by column."""
    if fmt == "csv":
        assert data.startswith("\ufeff".encode())
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        width = len(values[0])  # read-only sheets leave out trailing empty cells
        return [
            {
                k: "" if v is None else str(v)
                for k, v in zip(values[0], [*row, *[None] * (width - len(row))], strict=True)
            }
            for row in values[1:]
        ]
    path = tmp_path / f"export.{fmt}"
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            assert archive.read(next(n for n in names if n.endswith(".cpg"))).strip() == b"UTF-8"
            archive.extractall(tmp_path / "shp")
        path = next((tmp_path / "shp").glob("*.shp"))
    else:
        path.write_bytes(data)
    layer = DataSource(str(path))[0]
    return [
        {name: "" if f.get(name) is None else str(f.get(name)) for name in layer.fields}
        for f in layer
    ]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_export_role_matrix(which, request, seeded):
    tenant = request.getfixturevalue(which)
    rows = [
        MatrixRow(f"/staff/registry/exports/buildings.{fmt}", allowed=set(EXPORT_ROLES))
        for fmt in BUILDING_FORMATS
    ] + [
        MatrixRow(f"/staff/registry/exports/holdings.{fmt}", allowed=set(EXPORT_ROLES))
        for fmt in HOLDING_FORMATS
    ]
    assert_role_matrix(tenant, host_of(tenant.code), rows)


@pytest.mark.parametrize("fmt", BUILDING_FORMATS)
def test_building_export_round_trip(fmt, seeded, client_a, tenant_a, tmp_path):
    client = login(client_a, tenant_a, "gis_officer")
    data = get_ok(client, f"/staff/registry/exports/buildings.{fmt}")
    connection.set_tenant(tenant_a)
    before = list(Building.objects.order_by("bin").values(*FIELDS))
    shapes = {b.bin: b.footprint for b in Building.objects.all()}
    Building.objects.all().delete()  # in this test's transaction only
    name = {"shp": "buildings.zip"}.get(fmt, f"buildings.{fmt}")
    job = import_job_create(
        actor=staff_user(tenant_a, "gis_officer"),
        kind="buildings",
        upload=SimpleUploadedFile(name, data),
    )
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE, (job.error, job.rejected_rows)
    after = list(Building.objects.order_by("bin").values(*FIELDS))
    assert after == before
    for building in Building.objects.all():
        # Shapefiles turn rings clockwise: compare the normalised shapes.
        assert building.footprint.normalize(clone=True).equals_exact(
            shapes[building.bin].normalize(clone=True), tolerance=1e-9
        )


@pytest.mark.parametrize("fmt", HOLDING_FORMATS)
def test_holding_export_round_trip(fmt, seeded, client_a, tenant_a, tmp_path):
    client = login(client_a, tenant_a, "revenue_chief")
    data = get_ok(client, f"/staff/registry/exports/holdings.{fmt}")
    rows = rows_of(data, fmt, tmp_path)
    assert {r["address"] for r in rows} == {"১২ কেডিএ এভিনিউ, খুলনা", "Lane 3"}
    connection.set_tenant(tenant_a)

    def snapshot():
        return [
            (h.code, h.holding_type, h.annual_value, h.address, h.status,
             sorted(h.buildings.values_list("bin", flat=True)))
            for h in Holding.objects.order_by("code")
        ]  # fmt: skip

    before = snapshot()
    Holding.objects.all().delete()
    job = import_job_create(
        actor=staff_user(tenant_a, "revenue_chief"),
        kind="holdings",
        upload=SimpleUploadedFile(f"holdings.{fmt}", data),
    )
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE, (job.error, job.rejected_rows)
    assert snapshot() == before


def test_filters_are_the_lists_and_hostile_values_are_data(seeded, client_a, tenant_a, tmp_path):
    client = login(client_a, tenant_a, "gis_officer")

    def rows(query, fmt):
        return rows_of(get_ok(client, f"/staff/registry/exports/buildings.{fmt}?{query}"), fmt,
                        tmp_path)  # fmt: skip

    everything = len(seeded["khulna"]["bins"])
    for fmt in ("csv", "gpkg"):
        found = rows("ward=2", fmt)
        assert found and {r["ward"] for r in found} == {"2"}
        assert len(rows("low_income=yes", fmt)) == 1
        assert rows("q=x%27%3B%20DROP%20TABLE%20registry_ward%3B--", fmt) == []
        # A value the list's form refuses is ignored, as the list ignores it.
        assert len(rows("ward=two&use=castle", fmt)) == everything
    with schema_context(tenant_a.schema_name):
        from backoffice.registry.models import Ward

        assert Ward.objects.count() == 2
    holdings = rows_of(get_ok(client, "/staff/registry/exports/holdings.csv?q=01-001-0001"), "csv",
                        tmp_path)  # fmt: skip
    assert [r["code"] for r in holdings] == ["01-001-0001-00"]
    assert client.get("/staff/registry/exports/buildings.kml").status_code == 404
    assert client.get("/staff/registry/exports/holdings.shp").status_code == 404


def test_text_never_becomes_a_spreadsheet_formula(seeded, client_a, tenant_a):
    from openpyxl import load_workbook

    client = login(client_a, tenant_a, "gis_officer")
    text = get_ok(client, "/staff/registry/exports/buildings.csv").decode("utf-8-sig")
    assert "'=1+2" in text and ",=1+2" not in text
    data = get_ok(client, "/staff/registry/exports/buildings.xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+2"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_exports_are_audited(seeded, client_a, tenant_a):
    client = login(client_a, tenant_a, "revenue_collector")
    get_ok(client, "/staff/registry/exports/holdings.xlsx?ward=1")
    with schema_context(tenant_a.schema_name):
        event = AuditEvent.objects.filter(action="registry.export").latest("at")
    assert event.actor_username == "revenue_collector"
    assert event.data == {"what": "holdings", "format": "xlsx", "filters": {"ward": 1}}

"""The import pages: upload, status (refreshing while it runs), report."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_job_run
from backoffice.registry.models import Building
from tests.backoffice.registry.factories import wards_make
from tests.backoffice.registry.importing.files import building_row, dataset_write
from tests.conftest import login
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

pytestmark = pytest.mark.django_db

IMPORTERS = {"gis_officer", "municipal_admin", "revenue_chief"}


def _job(tenant, kind="holdings", report=True) -> ImportJob:
    with schema_context(tenant.schema_name):
        job = ImportJob(kind=kind, original_name="h.csv", status=ImportJob.Status.REJECTED)
        job.source.save("h.csv", ContentFile(b"code\n"), save=False)
        if report:
            job.report.save("r.csv", ContentFile("\ufeffrow\n1\n".encode()), save=False)
        job.save()
    return job


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_import_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    job = _job(tenant)
    rows = [
        MatrixRow("/staff/registry/imports/", allowed=IMPORTERS),
        MatrixRow("/staff/registry/imports/", allowed=IMPORTERS, method="post", ok=400),
        MatrixRow(f"/staff/registry/imports/{job.pk}/", allowed=IMPORTERS),
        MatrixRow(f"/staff/registry/imports/{job.pk}/report.csv", allowed=IMPORTERS),
    ]
    assert_role_matrix(tenant, host_of(tenant.code), rows)


def test_a_revenue_chief_sees_holdings_imports_only(client_a, tenant_a):
    buildings_job = _job(tenant_a, kind="buildings")
    client = login(client_a, tenant_a, "revenue_chief")
    assert client.get(f"/staff/registry/imports/{buildings_job.pk}/").status_code == 404
    assert client.get(f"/staff/registry/imports/{buildings_job.pk}/report.csv").status_code == 404
    page = client.get("/staff/registry/imports/").content.decode()
    assert 'value="holdings"' in page and 'value="buildings"' not in page


def test_a_job_of_one_municipality_is_not_found_on_the_other(client_b, tenant_a, tenant_b):
    job = _job(tenant_a)
    client = login(client_b, tenant_b, "gis_officer")
    with schema_context(tenant_b.schema_name):
        ImportJob.objects.filter(pk=job.pk).delete()  # an id clash in jashore is no proof
    assert client.get(f"/staff/registry/imports/{job.pk}/").status_code == 404
    assert client.get(f"/staff/registry/imports/{job.pk}/report.csv").status_code == 404


def test_upload_then_status_then_report(
    client_a, tenant_a, tmp_path, django_capture_on_commit_callbacks
):
    with schema_context(tenant_a.schema_name):
        wards_make(2)
    rows = [building_row(1, 0), building_row(1, 1, floors="many")]
    path = dataset_write(tmp_path, rows, "gpkg")
    client = login(client_a, tenant_a, "gis_officer")
    with django_capture_on_commit_callbacks(execute=False) as queued, open(path, "rb") as fh:
        response = client.post(
            "/staff/registry/imports/", {"kind": "buildings", "upload": fh, "source_srid": ""}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(queued) == 1  # the task is sent once the upload is committed
    with schema_context(tenant_a.schema_name):
        job = ImportJob.objects.get()
        assert job.status == ImportJob.Status.QUEUED and job.actor_username == "gis_officer"
        assert "/private/" in job.source.path and "/media/" not in job.source.path
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and 'data-status="queued"' in page

    connection.set_tenant(tenant_a)
    import_job_run(job_id=job.pk)
    connection.set_schema_to_public()
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page and 'data-status="rejected"' in page
    report = client.get(f"/staff/registry/imports/{job.pk}/report.csv")
    body = b"".join(report.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and "floors:invalid" in body
    with schema_context(tenant_a.schema_name):
        assert not Building.objects.exists()


def test_a_bad_archive_is_refused_at_once(client_a, tenant_a, tmp_path):
    import zipfile

    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../../etc/buildings.shp", b"x")
    client = login(client_a, tenant_a, "gis_officer")
    with open(bad, "rb") as fh:
        response = client.post("/staff/registry/imports/", {"kind": "buildings", "upload": fh})
    assert response.status_code == 400
    assert "unsafe path" in response.content.decode()
    with schema_context(tenant_a.schema_name):
        assert not ImportJob.objects.exists()

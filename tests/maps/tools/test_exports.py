"""Exports of a tool result (containments within 30 m of the waterbodies)
in every format, opened back with GDAL; audited.  ogr2ogr reads on its own
connection, so the data is committed (seeding.py)."""

import subprocess
import zipfile
from io import BytesIO

import pytest
from django_tenants.utils import schema_context

from tests.conftest import login


def _ogrinfo(path) -> str:
    result = subprocess.run(
        ["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "csv", "xlsx"])
def test_export_opens_with_gdal(tenant_a, client_a, seeded_city, tmp_path, fmt):
    login(client_a, tenant_a, "viewer")
    response = client_a.post(
        f"/staff/map/api/export/{fmt}/",
        {"layer": "containments", "buffer_m": "30", "source": "waterbodies"},
    )
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    if fmt == "shp":
        with zipfile.ZipFile(BytesIO(body)) as zf:
            names = zf.namelist()
            assert "containments.cpg" in names
            zf.extractall(tmp_path)
        target = tmp_path / "containments.shp"
    else:
        target = tmp_path / f"containments.{fmt}"
        target.write_bytes(body)
    text = _ogrinfo(target)
    assert "Feature Count: 3" in text
    if fmt in ("gpkg", "shp"):
        assert "Point" in text
    with schema_context(tenant_a.schema_name):
        from tenants.audit.models import AuditEvent

        assert AuditEvent.objects.filter(action="maps.export", data__format=fmt).exists()


@pytest.mark.worker
def test_big_export_runs_as_a_job(
    tenant_a, client_a, client_b, tenant_b, seeded_city, celery_worker, tmp_path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    import time

    login(client_a, tenant_a, "gis_officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            "/staff/map/api/export/gpkg/",
            {"layer": "containments", "buffer_m": "30", "source": "waterbodies", "background": "1"},
        )
    assert response.status_code == 202, response.content
    job = response.json()
    status_url = f"/staff/map/api/exports/{job['id']}/"
    deadline = time.monotonic() + 60
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = client_a.get(status_url).json()
    assert job["status"] == "done" and job["progress"] == 100
    response = client_a.get(job["download"])
    assert response.status_code == 200
    target = tmp_path / "job.gpkg"
    target.write_bytes(b"".join(response.streaming_content))
    assert "Feature Count: 3" in _ogrinfo(target)
    # Another user, or the other municipality, never sees the job or its file.
    login(client_a, tenant_a, "viewer")
    assert client_a.get(status_url).status_code == 404
    assert client_a.get(job["download"]).status_code == 404
    login(client_b, tenant_b, "gis_officer")
    assert client_b.get(status_url).status_code == 404


def test_export_reuses_the_count_the_tool_showed(tenant_a, client_a, seeded_city, monkeypatch):
    from maps.tools import results

    login(client_a, tenant_a, "gis_officer")
    data = {"layer": "containments", "buffer_m": "30", "source": "waterbodies"}
    assert client_a.post("/staff/map/api/select/", data).json()["count"] == 3
    calls = []
    original = results.count_recalled

    def recalled(selection, *, user):
        calls.append(original(selection, user=user))
        return calls[-1]

    monkeypatch.setattr(results, "count_recalled", recalled)
    response = client_a.post("/staff/map/api/export/csv/", data)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert calls == [3]
    assert len(body.strip().splitlines()) == 4
    with schema_context(tenant_a.schema_name):
        from tenants.audit.models import AuditEvent

        event = AuditEvent.objects.filter(action="maps.export").latest("id")
        assert event.data["rows"] == 3 and event.data["source"] == "waterbodies"

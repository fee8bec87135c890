"""Exports of a tool result (containments within 30 m of the waterbodies)
in every format, opened back with GDAL; audited.  ogr2ogr reads on its own
connection, so the data is committed (seeding.py)."""

import subprocess
import zipfile
from io import BytesIO

import pytest
from django_tenants.utils import schema_context, tenant_context

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


class _Web:
    """Signed in on the live server (glibc does not resolve *.localhost:
    127.0.0.1 with the Host header), so the job row the request writes is
    committed where the real worker reads it."""

    def __init__(self, port: int, host: str):
        import requests

        self.base, self.host = f"http://127.0.0.1:{port}", f"{host}:{port}"
        self.session = requests.Session()

    def get(self, path: str):
        return self.session.get(self.base + path, headers={"Host": self.host}, timeout=60)

    def post(self, path: str, data: dict):
        token = self.session.cookies.get("csrftoken", "")
        headers = {"Host": self.host, "X-CSRFToken": token}
        return self.session.post(self.base + path, data=data, headers=headers, timeout=60)

    def sign_in(self, username: str) -> "_Web":
        from tests.support.tenancy import PASSWORD

        self.get("/staff/login/")
        token = self.session.cookies.get("csrftoken", "")
        response = self.post(
            "/staff/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 200 and "sessionid" in self.session.cookies, response.url
        return self


@pytest.mark.worker
def test_big_export_runs_as_a_job(
    tenant_a, seeded_city, live_portal, celery_worker, tmp_path
):  # fmt: skip
    import time

    from django.core.cache import cache

    web = _Web(live_portal, "khulna.localhost").sign_in("gis_officer")
    response = web.post(
        "/staff/map/api/export/gpkg/",
        {"layer": "containments", "buffer_m": "30", "source": "waterbodies", "background": "1"},
    )
    assert response.status_code == 202, response.text
    job = response.json()
    status_url = f"/staff/map/api/exports/{job['id']}/"
    deadline = time.monotonic() + 60
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = web.get(status_url).json()
    assert job["status"] == "done" and job["progress"] == 100
    cache.clear()  # a cache flush loses nothing: the job is a row in the schema
    response = web.get(job["download"])
    assert response.status_code == 200
    target = tmp_path / "job.gpkg"
    target.write_bytes(response.content)
    assert "Feature Count: 3" in _ogrinfo(target)
    with schema_context(tenant_a.schema_name):
        from maps.models import ExportJob
        from tenants.audit.models import AuditEvent

        row = ExportJob.objects.get(pk=job["id"])
        assert (row.user.username, row.layer, row.tool, row.state) == (
            "gis_officer", "containments", "buffer", "done"
        )  # fmt: skip
        assert row.finished_at and row.file and row.rows == 3
        assert AuditEvent.objects.filter(action="maps.export", data__job=job["id"]).exists()
        assert AuditEvent.objects.filter(action="maps.export_download", data__job=job["id"])
        row.delete()
    # Another user, or the other municipality, never sees the job or its file.
    other = _Web(live_portal, "khulna.localhost").sign_in("viewer")
    assert other.get(status_url).status_code == 404
    assert other.get(job["download"]).status_code == 404


def test_export_job_is_kept_in_the_schema(
    tenant_a, tenant_b, client_a, client_b, seeded_city, tmp_path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """The job row holds who, what, the state and the file: after a cache
    flush the owner still downloads it (audited); another user, a role
    that may no longer export, and the other municipality are refused."""
    from django.contrib.auth.models import Group
    from django.core.cache import cache

    from maps.exports.services import export_job_run
    from maps.models import ExportJob
    from tenants.audit.models import AuditEvent
    from tests.conftest import staff_user

    login(client_a, tenant_a, "gis_officer")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_a.post(
            "/staff/map/api/export/csv/",
            {"layer": "containments", "buffer_m": "30", "source": "waterbodies", "background": "1"},
        )
    assert response.status_code == 202, response.content
    assert len(queued) == 1  # the task, after the commit
    job = response.json()
    assert job["status"] == "queued" and job["download"] == ""
    with tenant_context(tenant_a):  # as the worker runs it, in the municipality
        export_job_run(job_id=job["id"])
        row = ExportJob.objects.get(pk=job["id"])
        assert (row.state, row.format, row.rows, row.tool) == ("done", "csv", 3, "buffer")
    cache.clear()
    status_url = f"/staff/map/api/exports/{job['id']}/"
    job = client_a.get(status_url).json()
    assert job["status"] == "done" and job["progress"] == 100
    response = client_a.get(job["download"])
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 4
    with schema_context(tenant_a.schema_name):
        assert AuditEvent.objects.filter(action="maps.export_download", data__job=job["id"])
    # Another user of the same municipality: as if there were no such job.
    login(client_a, tenant_a, "viewer")
    assert client_a.get(status_url).status_code == 404
    assert client_a.get(job["download"]).status_code == 404
    # The other municipality: the job is not in its schema.
    login(client_b, tenant_b, "gis_officer")
    assert client_b.get(status_url).status_code == 404
    assert client_b.get(job["download"]).status_code == 404
    # The owner, once their role may no longer export (a service provider).
    with schema_context(tenant_a.schema_name):
        owner = staff_user(tenant_a, "gis_officer")
        owner.groups.set([Group.objects.get(name="service_provider")])
    login(client_a, tenant_a, "gis_officer")
    assert client_a.get(job["download"]).status_code in (403, 404)
    with schema_context(tenant_a.schema_name):
        ExportJob.objects.filter(pk=job["id"]).delete()


def test_a_failed_job_says_so(tenant_a, seeded_city):
    from maps.exports.services import export_job_get, export_job_run
    from maps.models import ExportJob
    from tests.conftest import staff_user

    with tenant_context(tenant_a):
        user = staff_user(tenant_a, "gis_officer")
        job = ExportJob.objects.create(
            user=user, layer="nope", params={"layer": ["nope"]}, format="gpkg", rows=1
        )
        with pytest.raises(LookupError):
            export_job_run(job_id=str(job.pk))
        job.refresh_from_db()
        assert job.state == "failed" and job.error == "LookupError" and job.finished_at
        assert export_job_run(job_id=str(job.pk)).state == "failed"  # a redelivery: as it was
        assert export_job_get(user=staff_user(tenant_a, "viewer"), job_id=job.pk) is None
        assert export_job_get(user=user, job_id="not-a-uuid") is None


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

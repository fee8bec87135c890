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

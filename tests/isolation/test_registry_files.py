"""Registry files stay in their municipality: exports hold only its own
rows in every format; uploads and reports are private, per schema, and a
job (with its report) is not found from the other host."""

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from backoffice.registry.importing.models import ImportJob
from tests.backoffice.registry.exporting.seeding import seeded  # noqa: F401  (a fixture)
from tests.backoffice.registry.exporting.test_exports import BUILDING_FORMATS, get_ok, rows_of
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", BUILDING_FORMATS)
def test_each_municipality_exports_only_its_own_buildings(
    fmt,
    seeded,  # noqa: F811
    client_a,
    client_b,
    tenant_a,
    tenant_b,
    tmp_path,  # noqa: F811
):
    for client, tenant, own, other in (
        (client_a, tenant_a, "khulna", "jashore"),
        (client_b, tenant_b, "jashore", "khulna"),
    ):
        login(client, tenant, "gis_officer")
        rows = rows_of(get_ok(client, f"/staff/registry/exports/buildings.{fmt}"), fmt, tmp_path)
        assert sorted(r["bin"] for r in rows) == sorted(seeded[own]["bins"])
        assert not set(seeded[other]["bins"]) & {r["bin"] for r in rows}
        assert {r["house_no"] for r in rows} >= {"বাড়ি 0", "বাড়ি 1"}


def test_uploads_and_reports_are_private_and_per_schema(tenant_a, tenant_b, client_a, client_b):
    with schema_context(tenant_a.schema_name):
        job = ImportJob(kind="holdings", original_name="h.csv", status="rejected")
        job.source.save("h.csv", ContentFile(b"code\n01-001-0001-00\n"), save=False)
        job.report.save("r.csv", ContentFile(b"row\n1\n"), save=False)
        job.save()
        path = job.report.path
        with pytest.raises(ValueError):
            job.report.url  # noqa: B018  (no URL: only the role-checked view hands it out)
    assert "/private/khulna/" in path and "/media/" not in path
    with schema_context(tenant_b.schema_name):
        ImportJob.objects.filter(pk=job.pk).delete()  # an id clash would prove nothing
        assert not ImportJob._meta.get_field("report").storage.exists(job.report.name)
    name = job.report.name
    assert client_a.get(f"/media/khulna/{name}").status_code == 404
    login(client_b, tenant_b, "gis_officer")
    assert client_b.get(f"/staff/registry/imports/{job.pk}/report.csv").status_code == 404
    login(client_a, tenant_a, "gis_officer")
    assert client_a.get(f"/staff/registry/imports/{job.pk}/report.csv").status_code == 200

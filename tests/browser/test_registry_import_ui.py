"""A GIS officer, in Bangla, uploads a buildings GeoPackage with one bad row,
accepts the valid rows, watches the job finish on its status page and
downloads the report of the rejected row.  A real gunicorn and a real
Celery worker; the records are committed, so they are made and removed
by ``manage.py shell`` in jashore."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.backoffice.registry.importing.files import building_row, dataset_write
from tests.support.cleanup import manage
from tests.support.tenancy import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db]

HOST = "jashore.localhost"

_SETUP = """
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, Ward
from tests.backoffice.registry.factories import wards_make
with schema_context("jashore"):
    assert not Ward.objects.exists() and not Building.objects.exists(), "jashore is not empty"
    wards_make(2)
"""

_TEARDOWN = """
from django_tenants.utils import schema_context
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.models import Building, ChangeRecord, Ward
from tenants.audit.models import AuditEvent
with schema_context("jashore"):
    ChangeRecord.objects.filter(model="building").delete()
    Building.objects.all().delete()
    Ward.objects.all().delete()
    for job in ImportJob.objects.all():
        job.source.delete(save=False)
        if job.report:
            job.report.delete(save=False)
        job.delete()
    AuditEvent.objects.filter(action__startswith="registry.import").delete()
"""


@pytest.fixture
def jashore_wards(live_portal, celery_worker):
    result = manage("shell", "-c", _SETUP)
    if result.returncode != 0:
        pytest.fail(f"jashore registry setup failed: {result.stderr[-200:]}")
    yield
    result = manage("shell", "-c", _TEARDOWN)
    assert result.returncode == 0, result.stderr


def test_upload_accept_valid_rows_watch_and_download_the_report(page, url, jashore_wards, tmp_path):
    rows = [building_row(1, i, house_no=f"বাড়ি {i}") for i in range(3)]
    rows.append(building_row(2, 0, use="castle"))
    path = dataset_write(tmp_path, rows, "gpkg")

    page.goto(url(HOST, "/staff/login/"))
    page.get_by_role("button", name="বাংলা").click()
    page.locator("#id_username").fill("gis_officer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(url(HOST, "/staff/registry/imports/"))
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.locator("h1")).to_have_text("নিবন্ধন আমদানি")
    page.locator("#id_kind").select_option("buildings")
    page.locator("#id_upload").set_input_files(str(path))
    page.locator("#id_accept_valid_rows").check()
    page.locator("#import-form button[type=submit]").click()

    # The status page refreshes itself until the worker has finished.
    expect(page.locator('#job [data-status="done"]')).to_be_visible(timeout=60_000)
    expect(page.locator("#imported")).to_have_text("3")
    expect(page.locator("#rejected")).to_have_text("1")
    with page.expect_download() as download:
        page.locator("#report").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    (reported,) = list(csv.DictReader(io.StringIO(text)))
    assert reported["কারণের কোড"] == "use:choice"
    assert "ব্যবহার" in reported["কারণ"] or "use" in reported["কারণ"]

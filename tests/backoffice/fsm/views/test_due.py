"""Containments due for emptying: the window, the ward filter, paging, and
the CSV / Excel exports (office only)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from backoffice.fsm import services
from backoffice.fsm.models import ContainmentType
from backoffice.fsm.views import due
from tenants.audit.models import AuditEvent
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.backoffice.registry.factories import building_make
from tests.conftest import login

URL = "/staff/fsm/due/"


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        sample = fsm_sample(tenant_a)  # its containment was emptied today
        kind = ContainmentType.objects.get(code="unknown")
        near = building_make(None, ward=1, index=6)
        far = building_make(None, ward=2, index=5)
        sample["ward1"] = services.containment_create(
            actor=None,
            containment_type=kind,
            constructed_on=datetime.date(2020, 2, 1),
            emptying_frequency_years=2,
            volume_m3=Decimal("4.5"),
            responsible_building=near,
        )
        sample["near"] = near
        sample["ward2"] = services.containment_create(
            actor=None,
            containment_type=kind,
            constructed_on=datetime.date(2021, 1, 1),
            emptying_frequency_years=1,
            volume_m3=Decimal("2"),
            responsible_building=far,
        )
        sample["later"] = services.containment_create(
            actor=None,
            containment_type=kind,
            constructed_on=datetime.date.today(),
            emptying_frequency_years=5,
            responsible_building=far,
        )
        return sample


def test_list_window_and_ward(world, client_a, tenant_a):
    viewer = login(client_a, tenant_a, "viewer")
    html = viewer.get(URL).content.decode()
    assert world["ward1"].code in html and world["ward2"].code in html
    assert world["later"].code not in html
    assert world["near"].bin in html
    assert world["containment"].code not in html  # emptied today
    assert 'id="exports"' not in html  # viewers export nothing
    ward1 = viewer.get(URL, {"ward": "1", "days": "30"}).content.decode()
    assert world["ward1"].code in ward1 and world["ward2"].code not in ward1
    year5 = viewer.get(URL, {"days": "365"}).content.decode()
    assert world["later"].code not in year5


def test_keyset_paging(world, client_a, tenant_a, monkeypatch):
    monkeypatch.setattr(due, "PAGE_SIZE", 1)
    manager = login(client_a, tenant_a, "fsm_manager")
    first = manager.get(URL).content.decode()  # ward 2's fell due a month earlier
    assert world["ward2"].code in first and world["ward1"].code not in first
    key = f"{world['ward2'].next_due_on.isoformat()}|{world['ward2'].code}"
    second = manager.get(URL, {"after": key}).content.decode()
    table = second[second.index('id="due"') :]
    assert world["ward1"].code in table and world["ward2"].code not in table, table[:3000]
    assert manager.get(URL, {"after": "garbage|x" * 20}).status_code == 200


def test_csv_export_with_the_lists_filter(world, client_a, tenant_a):
    manager = login(client_a, tenant_a, "fsm_manager")
    response = manager.get("/staff/fsm/due/export.csv", {"ward": "2"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["code"] for r in rows] == [world["ward2"].code]
    assert (
        rows[0]["ward"] == "2" and rows[0]["type"] == "unknown" and rows[0]["volume_m3"] == "2.00"
    )
    assert 'filename="khulna-containments-due-' in response["Content-Disposition"]
    with schema_context(tenant_a.schema_name):
        assert AuditEvent.objects.filter(action="fsm.export").exists()


def test_xlsx_export(world, client_a, tenant_a):
    manager = login(client_a, tenant_a, "municipal_admin")
    response = manager.get("/staff/fsm/due/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "code"
    assert {r[0] for r in rows[1:]} == {world["ward1"].code, world["ward2"].code}


def test_unknown_format_is_404(world, client_a, tenant_a):
    manager = login(client_a, tenant_a, "fsm_manager")
    assert manager.get("/staff/fsm/due/export.shp").status_code == 404


def test_export_stays_in_its_tenant(world, client_b, tenant_b):
    manager = login(client_b, tenant_b, "fsm_manager")
    body = b"".join(manager.get("/staff/fsm/due/export.csv").streaming_content).decode()
    assert world["ward1"].code not in body and world["ward2"].code not in body


def test_due_list_queries_do_not_grow_with_rows(world, client_a, tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = login(client_a, tenant_a, "fsm_manager")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert manager.get(URL, {"days": "365"}).status_code == 200
        return len(ctx)

    count()
    few = count()
    with schema_context(tenant_a.schema_name):
        kind = ContainmentType.objects.get(code="unknown")
        for index in range(6):
            services.containment_create(
                actor=None,
                containment_type=kind,
                constructed_on=datetime.date(2020, 1, 1),
                responsible_building=building_make(None, ward=1, index=10 + index),
            )
    assert count() == few <= 10

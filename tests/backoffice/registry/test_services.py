from decimal import Decimal

import pytest
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from backoffice.registry import selectors, services
from backoffice.registry.models import Building, ChangeRecord, Holding, HoldingEvent
from tests.backoffice.registry.factories import (
    building_make,
    footprint_in_ward,
    holding_make,
    wards_make,
)
from tests.conftest import staff_user


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        wards_make()
        yield staff_user(tenant_a, "gis_officer")


@pytest.fixture
def in_b(tenant_b):
    with schema_context(tenant_b.schema_name):
        wards_make()
        yield staff_user(tenant_b, "gis_officer")


def test_building_gets_a_bin_in_the_municipality_format(in_a):
    first, second = building_make(in_a), building_make(in_a, index=1)
    assert first.bin.startswith("KHU-") and len(first.bin) == len("KHU-") + 7
    assert int(second.bin[4:]) == int(first.bin[4:]) + 1
    assert first.ward.number == 1


def test_bins_are_per_municipality_and_never_reused(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        wards_make()
        a = building_make()
        Building.objects.filter(pk=a.pk).delete()
        again = building_make(index=1)
        assert again.bin != a.bin  # a sequence, not max()+1
    with schema_context(tenant_b.schema_name):
        wards_make()
        b = building_make()
        assert b.bin.startswith("JAS-")


def test_bin_is_unique_in_the_database(in_a):
    building = building_make(in_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(
            bin=building.bin,
            footprint=building.footprint,
            ward=building.ward,
            structure_type="pucca",
            use="residential",
        )


def test_footprint_outside_every_ward_is_refused(in_a):
    far = Polygon(((90.5, 23.5), (90.501, 23.5), (90.501, 23.501), (90.5, 23.5)), srid=4326)
    with pytest.raises(ValidationError, match="outside every ward"):
        services.building_create(
            actor=in_a, footprint=far, structure_type="pucca", use="residential"
        )
    assert not Building.objects.exists()


def test_invalid_footprint_is_repaired(in_a):
    x, y = 89.552, 22.822
    bowtie = Polygon(
        ((x, y), (x + 0.0002, y + 0.0002), (x + 0.0002, y), (x, y + 0.0002), (x, y)), srid=4326
    )
    assert not bowtie.valid
    building = services.building_create(
        actor=in_a, footprint=bowtie, structure_type="pucca", use="residential"
    )
    assert building.footprint.valid and building.footprint.area > 0


def test_footprint_in_another_srid_is_reprojected(in_a):
    footprint = footprint_in_ward(2)
    footprint.transform(3106)  # Gulshan 303 / Bangladesh TM
    building = services.building_create(
        actor=in_a, footprint=footprint, structure_type="pucca", use="residential"
    )
    assert building.footprint.srid == 4326 and building.ward.number == 2


def test_every_change_is_recorded_with_who_and_what(in_a):
    building = building_make(in_a)
    services.building_update(
        actor=in_a, building=building, floors=5, footprint=footprint_in_ward(3)
    )
    history = list(selectors.change_history(actor=in_a, instance=building))
    assert [h.action for h in history] == ["update", "create"]
    update = history[0]
    assert update.actor_username == "gis_officer"
    assert update.changes["floors"] == [2, 5]
    assert update.changes["ward"][1] != update.changes["ward"][0]
    assert "footprint" in update.changes


def test_unchanged_save_records_nothing(in_a):
    building = building_make(in_a)
    services.building_update(actor=in_a, building=building, floors=building.floors)
    assert ChangeRecord.objects.filter(object_id=building.pk, action="update").count() == 0


def test_holding_code_is_normalised_and_ward_checked(in_a):
    holding = holding_make(in_a, code="০২ ০০১ ০০৪৫ ০১")
    assert holding.code == "02-001-0045-01" and holding.ward.number == 2
    with pytest.raises(ValidationError, match="already registered"):
        holding_make(in_a, code="02-001-0045-01")
    with pytest.raises(ValidationError, match="Ward 09 does not exist"):
        holding_make(in_a, code="09-001-0001-00")
    with pytest.raises(ValidationError, match="zone"):
        holding_make(in_a, code="02-01-0045-01")


def test_owner_phone_is_validated_and_normalised(in_a):
    owner = services.owner_create(
        actor=in_a, name_en="Fatema Begum", name_bn="ফাতেমা বেগম", phone="01712-345678"
    )
    assert owner.phone == "+8801712345678"
    with pytest.raises(ValidationError):
        services.owner_create(actor=in_a, name_en="X", phone="12345")


def test_merge_retires_sources_and_records_an_event(in_a):
    b1, b2 = building_make(in_a), building_make(in_a, index=1)
    owner = services.owner_create(actor=in_a, name_en="Rahim Uddin")
    holding_make(in_a, code="01-001-0001-00", buildings=[b1], annual_value=Decimal("1000"))
    h2 = holding_make(in_a, code="01-001-0002-00", buildings=[b2], annual_value=Decimal("500"))
    services.holding_buildings_set(actor=in_a, holding=h2, buildings=[b2])
    h2.owners.add(owner)
    merged = services.holdings_merge(
        actor=in_a,
        codes=["01-001-0001-00", "01-001-0002-00"],
        into_code="01-001-0003-00",
        note="one owner now",
    )
    assert merged.annual_value == Decimal("1500")
    assert set(merged.buildings.all()) == {b1, b2} and list(merged.owners.all()) == [owner]
    assert set(Holding.objects.filter(status="retired").values_list("code", flat=True)) == {
        "01-001-0001-00",
        "01-001-0002-00",
    }
    event = HoldingEvent.objects.get()
    assert event.kind == "merge" and event.results == ["01-001-0003-00"]
    assert list(selectors.holding_events(actor=in_a, code="01-001-0001-00")) == [event]


def test_split_makes_new_holdings_with_the_owners(in_a):
    b1, b2 = building_make(in_a), building_make(in_a, index=1)
    owner = services.owner_create(actor=in_a, name_en="Karim Sheikh")
    source = holding_make(in_a, code="01-002-0001-00", buildings=[b1, b2], owners=[owner])
    parts = [
        {"code": "01-002-0001-01", "buildings": [b1], "annual_value": "700"},
        {"code": "01-002-0001-02", "buildings": [b2], "annual_value": "800"},
    ]
    results = services.holding_split(actor=in_a, code=source.code, parts=parts)
    assert [r.code for r in results] == ["01-002-0001-01", "01-002-0001-02"]
    assert all(list(r.owners.all()) == [owner] for r in results)
    source.refresh_from_db()
    assert source.status == "retired"
    with pytest.raises(ValidationError):
        services.holding_split(actor=in_a, code=source.code, parts=parts)


def test_a_failed_merge_changes_nothing(in_a):
    holding_make(in_a, code="01-001-0001-00")
    holding_make(in_a, code="01-001-0002-00")
    with pytest.raises(ValidationError):
        services.holdings_merge(
            actor=in_a, codes=["01-001-0001-00", "01-001-0002-00"], into_code="01-001-0001-00"
        )  # the code is taken
    assert Holding.objects.filter(status="active").count() == 2
    assert not HoldingEvent.objects.exists()


def test_building_filters(in_a):
    b1 = building_make(in_a, ward=1, use="commercial", low_income=True)
    b2 = building_make(in_a, ward=2, index=1)
    holding_make(in_a, code="01-001-0001-00", buildings=[b1])

    def bins(**kw):
        filters = selectors.BuildingFilters(**kw)
        return [b.bin for b in selectors.building_list(actor=in_a, filters=filters)]

    assert bins(ward=1) == [b1.bin]
    assert bins(use="commercial") == [b1.bin]
    assert bins(has_holding=True) == [b1.bin] and bins(has_holding=False) == [b2.bin]
    assert bins(low_income=True) == [b1.bin]
    assert bins(q="01-001") == [b1.bin]
    assert bins(q=b2.bin) == [b2.bin]


def test_registry_rows_stay_in_their_municipality(in_a, tenant_b):
    building_make(in_a)
    with schema_context(tenant_b.schema_name):
        assert not Building.objects.exists()

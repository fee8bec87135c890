"""The layer registry: every registered layer is well formed, each role sees
the layers and attributes the issue gives it, the page configuration, and
the FSM layers' tiles (type, the emptying-due days on the municipality's
own date, plants)."""

import datetime
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import resolve
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from backoffice.fsm import services as fsm_services
from maps import registry
from maps.registry import Attribute, Layer
from tests.backoffice.fsm.factories import fsm_sample
from tests.conftest import login, staff_user
from tests.maps.helpers import cache_clear, decode, tile_of, tile_url

STYLE_TYPES = {"polygon": {"fill", "line", "fill-extrusion"}, "line": {"line"}, "point": {"circle"}}
REGISTRY = {"buildings", "roads", "drains", "waterbodies", "wards", "boundaries"}
REVENUE = {"tax_due"}
FSM = {"containments", "treatment_plants"}
WATER = {"water_meters"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def test_every_layer_is_well_formed():
    layers = {layer.slug: layer for layer in registry.layer_list()}
    assert set(layers) >= REGISTRY | FSM
    for layer in layers.values():
        field = layer.model._meta.get_field(layer.geometry)
        assert (
            field.geom_type.lower()
            .replace("multi", "")
            .startswith(
                {"polygon": "polygon", "line": "linestring", "point": "point"}[layer.geometry_type]
            )
        ), layer.slug
        assert layer.style["type"] in STYLE_TYPES[layer.geometry_type], layer.slug
        names = {a.name for a in layer.attributes}
        for theme in layer.themes:
            assert theme.attribute in names and theme.legend, (layer.slug, theme.slug)
        assert 0 <= layer.min_zoom <= layer.max_zoom
        json.dumps(layer.style)


def test_layer_declarations_are_checked():
    with pytest.raises(ValueError):
        Layer("x", "X", ("viewer",), search_fields=("nope",))
    with pytest.raises(ValueError):
        Layer("x", "X", ("viewer",), attributes=(Attribute("d", "D", sql="{today}"),))
    with pytest.raises(ValueError):
        registry.layer_register(registry.layer_get("roads"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("communications_officer", set()),
        ("revenue_collector", REGISTRY | REVENUE),
        ("water_officer", REGISTRY | WATER),
        ("caretaker", REGISTRY | {"treatment_plants"}),
        ("service_provider", REGISTRY | FSM),
        ("viewer", REGISTRY | FSM | WATER),
        ("fsm_manager", REGISTRY | FSM),
        ("gis_officer", REGISTRY | FSM | WATER),
        ("municipal_admin", REGISTRY | FSM | REVENUE | WATER),
    ],
)
def test_layers_for_each_role(tenant_a, role, expected):
    user = staff_user(tenant_a, role)
    with schema_context(tenant_a.schema_name):
        assert {layer.slug for layer in registry.layers_for_user(user, tenant_a)} == expected


def test_anonymous_sees_no_layer(tenant_a):
    assert registry.layers_for_user(AnonymousUser(), tenant_a) == []


def _names(attributes) -> set[str]:
    return {a.name for a in attributes}


def test_owner_names_only_for_owner_readers(tenant_a):
    buildings = registry.layer_get("buildings")
    with schema_context(tenant_a.schema_name):  # roles are read in the schema
        for role in ("municipal_admin", "revenue_chief", "revenue_collector"):
            user = staff_user(tenant_a, role)
            assert "owner_names" in _names(registry.visible_attributes(buildings, user))
        for role in ("viewer", "service_provider", "gis_officer", "fsm_manager"):
            user = staff_user(tenant_a, role)
            names = _names(registry.visible_attributes(buildings, user))
            assert "owner_names" not in names and "holding_codes" in names
            assert "owner_names" not in _names(registry.tile_attributes(buildings, user, 20))


def test_detail_urls_resolve_to_the_record_pages():
    buildings = registry.layer_get("buildings")
    assert resolve(buildings.detail_url_for({"bin": "KHU-0000001"})).url_name == "building_detail"
    containments = registry.layer_get("containments")
    assert resolve(containments.detail_url_for({"code": "C-1"})).url_name == "containment_detail"
    plants = registry.layer_get("treatment_plants")
    assert resolve(plants.detail_url_for({"id": 3})).url_name == "plant_detail"
    assert registry.layer_get("roads").detail_url_for({"code": "R1"}) == ""


def test_client_config_in_bangla(tenant_a):
    viewer = staff_user(tenant_a, "viewer")
    with schema_context(tenant_a.schema_name), translation.override("bn"):
        config = registry.layer_client_config(registry.layer_get("buildings"), viewer)
    json.dumps(config)
    assert config["title"] == "ভবনসমূহ"
    assert config["tiles"] == "/tiles/buildings/{z}/{x}/{y}.mvt"
    assert {t["slug"] for t in config["themes"]} == {"use", "structure", "floors"}
    assert "owner_names" not in config["search_fields"]
    assert config["sum_fields"] == ["households", "population", "holding_count"]


def test_containment_and_plant_tiles(client_a, tenant_a):
    with schema_context(tenant_a.schema_name):
        ctx = fsm_sample(tenant_a)
        containment = ctx["containment"]
        containment.refresh_from_db()
    login(client_a, tenant_a, "fsm_manager")
    z16 = tile_of(89.5501, 22.8201, 16)
    features = decode(client_a.get(tile_url("containments", *z16)).content, "containments")
    found = next(f for f in features if f["code"] == containment.code)
    assert found["type"] == "septic_soak_pit" and found["volume_m3"] == 4.5
    with schema_context(tenant_a.schema_name):
        today = timezone.localdate()
    assert found["due_in_days"] == (containment.next_due_on - today).days
    plants = decode(
        client_a.get(tile_url("treatment_plants", *tile_of(89.5001, 22.8001, 14))).content,
        "treatment_plants",
    )
    assert {p["name"] for p in plants} >= {"Rajbandh FSTP", "Second FSTP"}


def test_emptying_retires_containment_tiles(client_a, tenant_a):
    with schema_context(tenant_a.schema_name):
        ctx = fsm_sample(tenant_a)
    login(client_a, tenant_a, "viewer")
    url = tile_url("containments", *tile_of(89.5501, 22.8201, 16))
    before = decode(client_a.get(url).content, "containments")
    assert "last_emptied_on" not in before[0]
    with schema_context(tenant_a.schema_name):
        fsm_services.containment_emptied(
            containment=ctx["containment"], on=datetime.date.today() - datetime.timedelta(days=1)
        )
    after = decode(client_a.get(url).content, "containments")
    assert after[0]["last_emptied_on"] == str(datetime.date.today() - datetime.timedelta(days=1))


def test_tile_audiences_cover_every_role(tenant_a):
    buildings = registry.layer_get("buildings")
    assert len(registry.tile_audiences(buildings, 16)) == 1
    assert len(registry.tile_audiences(buildings, 17)) == 2  # with and without owners
    with schema_context(tenant_a.schema_name):
        for role in ("viewer", "revenue_chief"):
            user = staff_user(tenant_a, role)
            for z in (16, 17):
                audience = registry.audience_key(registry.tile_attributes(buildings, user, z))
                assert audience in registry.tile_audiences(buildings, z)

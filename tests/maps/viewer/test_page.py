"""The map page: our own MapLibre copy and tiles only (no CDN, no external
tile server), the layers the role may see, English and Bangla."""

from django.utils import translation

from tests.conftest import login


def test_page_lists_only_visible_layers_and_no_external_urls(tenant_a, client_a):
    login(client_a, tenant_a, "revenue_collector")
    response = client_a.get("/staff/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/maps_viewer/vendor/maplibre-gl.js" in html
    assert "https://" not in html and "http://" not in html
    slugs = [layer["slug"] for layer in response.context["config"]["layers"]]
    assert "buildings" in slugs and "containments" not in slugs
    login(client_a, tenant_a, "fsm_manager")
    slugs = [layer["slug"] for layer in client_a.get("/staff/map/").context["config"]["layers"]]
    assert "containments" in slugs


def test_page_in_bangla(tenant_a, client_a):
    login(client_a, tenant_a, "viewer")
    client_a.cookies["django_language"] = "bn"
    response = client_a.get("/staff/map/", HTTP_ACCEPT_LANGUAGE="bn")
    translation.activate("en")
    html = response.content.decode()
    assert 'lang="bn"' in html
    assert "স্তর" in html  # "Layers"


def test_staff_home_links_the_map_for_roles_that_see_a_layer(tenant_a, client_a):
    login(client_a, tenant_a, "viewer")
    assert 'id="map-link"' in client_a.get("/staff/").content.decode()
    login(client_a, tenant_a, "communications_officer")
    assert 'id="map-link"' not in client_a.get("/staff/").content.decode()

"""Every registry page in Bangla carries no English UI text: only codes,
file formats and the names people typed are left in Latin letters."""

import re

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from tests.backoffice.registry.factories import registry_sample
from tests.conftest import login, staff_user

ALLOWED_LATIN = {"KHU", "XXX", "XXXX", "GeoJSON", "WKT", "CSV", "GPKG", "SHP", "XLSX"}


def _latin_words(html: str) -> set[str]:
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style|textarea|svg)[^>]*>.*?</\1>", " ", main, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", main)
    return set(re.findall(r"\b[A-Za-z][A-Za-z']{2,}\b", text))


def test_registry_pages_are_all_bangla(client_a, tenant_a):
    with schema_context(tenant_a.schema_name):
        sample = registry_sample(staff_user(tenant_a, "gis_officer"))
    client = login(client_a, tenant_a, "municipal_admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    b, h, o = sample["plain"].bin, sample["home"].code, sample["owner"].pk
    names = set(sample["owner"].name_en.split())
    paths = [
        "/staff/registry/",
        "/staff/registry/buildings/",
        "/staff/registry/buildings/?ward=1&has_holding=no",
        f"/staff/registry/buildings/{b}/",
        f"/staff/registry/buildings/{b}/edit/",
        f"/staff/registry/buildings/{b}/history/",
        "/staff/registry/buildings/new/",
        "/staff/registry/holdings/",
        f"/staff/registry/holdings/{h}/",
        f"/staff/registry/holdings/{h}/edit/",
        f"/staff/registry/holdings/{h}/history/",
        f"/staff/registry/holdings/{h}/owners/new/",
        f"/staff/registry/holdings/{h}/split/",
        "/staff/registry/holdings/new/",
        "/staff/registry/holdings/merge/",
        f"/staff/registry/owners/{o}/",
        f"/staff/registry/owners/{o}/edit/",
    ]
    leaks = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        english = _latin_words(response.content.decode()) - ALLOWED_LATIN - names
        if english:
            leaks[path] = sorted(english)
    assert not leaks, f"English left on Bangla pages: {leaks}"


@pytest.mark.parametrize(
    "path", ["/staff/registry/buildings/new/", "/staff/registry/holdings/new/"]
)
def test_form_errors_in_bangla(client_a, tenant_a, path):
    client = login(client_a, tenant_a, "municipal_admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    html = client.post(path, {"address": ""}).content.decode()  # every field left blank
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    assert errors
    assert not (_latin_words("<main>" + " ".join(errors) + "</main>") - ALLOWED_LATIN)

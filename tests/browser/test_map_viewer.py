"""The staff map in a real Chromium, in English and in Bangla: the map
loads from our own MapLibre copy and tiles, a layer is switched off and
on, a click on a building shows its BIN, a 30 m buffer around the
waterbodies finds the three containments beside the pond, and the result
is exported (CSV downloaded), and the buildings are summarised by ward
(holdings among the columns).  The city is committed by manage.py
(tests/maps/tools/seeding.py) because the live server reads only
committed rows."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.backoffice.registry.factories import ORIGIN
from tests.maps.tools.seeding import seeded_city  # noqa: F401  (a fixture)
from tests.support.tenancy import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HOST = "khulna.localhost"
HOLDINGS = {"en": "number of holdings", "bn": "হোল্ডিংয়ের সংখ্যা"}
DIGITS = {"en": "16", "bn": "১৬"}  # the seeded city's buildings
# The first seeded building (ward 1, index 0): a 0.0001 degree square.
BUILDING_CENTRE = [ORIGIN[0] + 0.001 + 0.00005, ORIGIN[1] + 0.001 + 0.00005]


def _sign_in(page, url, username: str, language: str) -> None:
    page.goto(url(HOST, "/staff/login/"))
    if language == "bn":
        page.locator("nav.lang button[value=bn]").click()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(url(HOST, "/staff/"))


@pytest.mark.parametrize("language", ["en", "bn"])
def test_map_viewer(page, url, seeded_city, language):  # noqa: F811
    _sign_in(page, url, "fsm_manager", language)
    external = []
    page.on(
        "request",
        lambda r: external.append(r.url) if HOST not in r.url and "data:" not in r.url else None,
    )
    page.goto(url(HOST, "/staff/map/"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#map")).to_have_attribute("data-ready", "1")

    # Toggle a layer off and on.
    page.locator(".mv-bar [data-panel=layers]").click()
    box = page.locator(".mv-layers input[value=buildings]")
    box.uncheck()
    assert page.evaluate("imisMap.getLayoutProperty('buildings', 'visibility')") == "none"
    box.check()
    assert page.evaluate("imisMap.getLayoutProperty('buildings', 'visibility')") == "visible"
    page.locator(".mv-bar [data-panel=layers]").click()

    # Click a building: the info box shows its BIN.
    page.evaluate(f"imisMap.jumpTo({{center: {BUILDING_CENTRE}, zoom: 19}})")
    page.wait_for_function(
        "imisMap.areTilesLoaded() && imisMap.querySourceFeatures('buildings',"
        " {sourceLayer: 'buildings'}).length > 0"
    )
    point = page.evaluate(
        f"(() => {{ const p = imisMap.project({BUILDING_CENTRE}); return [p.x, p.y]; }})()"
    )
    page.locator("#map canvas").click(position={"x": point[0], "y": point[1]})
    expect(page.locator("#info [data-field=bin]")).to_have_text(seeded_city["bin"])

    # Containments within 30 m of all waterbodies.
    page.locator(".mv-bar [data-panel=buffer]").click()
    form = page.locator("#buffer-form")
    form.locator("select[name=layer]").select_option("containments")
    form.locator("input[name=buffer_m]").fill("30")
    form.locator("select[name=source]").select_option("waterbodies")
    form.locator("button[type=submit]").click()
    expect(page.locator("#results h2")).to_have_attribute("data-count", "3")
    expect(page.locator("#results")).to_have_attribute("data-highlighted", "3")

    with page.expect_download() as download:
        page.locator("#results [data-format=csv]").click()
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == 4  # header + 3 containments

    # Summarise buildings by ward: households, population and holdings.
    page.locator(".mv-bar [data-panel=summary]").click()
    form = page.locator("#summary-form")
    form.locator("select[name=layer]").select_option("buildings")
    form.locator("button[type=submit]").click()
    table = page.locator("#results table.mv-summary")
    expect(table.locator("th").filter(has_text=HOLDINGS[language])).to_have_count(1)
    expect(table.locator("[data-total=holding_count]")).to_have_count(1)
    expect(table.locator("[data-total=count]")).to_have_text(DIGITS[language])
    assert not external, external

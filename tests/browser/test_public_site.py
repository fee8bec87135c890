"""Each demo municipality's public home page, in English and in Bangla."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CASES = [
    ("khulna", "Khulna City Corporation", "খুলনা সিটি কর্পোরেশন"),
    ("jashore", "Jashore Paurashava", "যশোর পৌরসভা"),
]


def _bengali_font_loaded(page) -> bool:
    return page.evaluate(
        """async () => {
            await document.fonts.ready;
            await document.fonts.load('16px "Noto Sans Bengali"', 'খুলনা');
            return [...document.fonts].some(
                f => f.family.replace(/"/g, '') === 'Noto Sans Bengali' && f.status === 'loaded');
        }"""
    )


@pytest.mark.parametrize(("code", "name_en", "name_bn"), CASES)
def test_home_page_in_english(page, url, code, name_en, name_bn):
    page.goto(url(f"{code}.localhost", "/"))
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(name_en)
    # the masthead names the municipality in both languages
    expect(page.locator("header .names .bn")).to_have_text(name_bn)
    expect(page.locator("header .names .en")).to_have_text(name_en)
    expect(page.get_by_text("Apply for faecal sludge emptying")).to_be_visible()


@pytest.mark.parametrize(("code", "name_en", "name_bn"), CASES)
def test_home_page_in_bangla_via_the_switcher(page, url, code, name_en, name_bn):
    page.goto(url(f"{code}.localhost", "/en/"))
    page.get_by_role("link", name="বাংলা").click()
    expect(page).to_have_url(re.compile(r"/bn/$"))
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.locator("h1")).to_have_text(name_bn)
    expect(page.get_by_text("পয়ঃবর্জ্য", exact=False).first).to_be_visible()
    assert "faecal" not in page.locator("main").inner_text()  # UI strings translated too
    assert _bengali_font_loaded(page), "the Bengali webfont was not loaded"
    # and back
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text(name_en)

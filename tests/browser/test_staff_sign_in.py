import pytest
from playwright.sync_api import expect

from tests.support.tenancy import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_sign_in_lands_in_the_back_office(page, url):
    page.goto(url("khulna.localhost", "/staff/"))
    expect(page).to_have_url(url("khulna.localhost", "/staff/login/?next=/staff/"))
    page.get_by_label("Username").fill("fsm_manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url("khulna.localhost", "/staff/"))
    expect(page.locator("#who")).to_contain_text("fsm_manager")
    expect(page.locator("#who")).to_contain_text("FSM manager")


def test_staff_sign_in_in_bangla_and_a_wrong_password(page, url):
    page.goto(url("jashore.localhost", "/staff/login/"))
    page.get_by_role("button", name="বাংলা").click()
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    page.locator("#id_username").fill("viewer")
    page.locator("#id_password").fill("wrong-password")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".errorlist")).to_be_visible()
    assert "username" not in page.locator(".errorlist").inner_text().lower()
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(url("jashore.localhost", "/staff/"))
    expect(page.locator("h1")).not_to_have_text("Back office")


def test_a_khulna_account_does_not_open_jashore(page, url):
    page.goto(url("khulna.localhost", "/staff/login/"))
    page.locator("#id_username").fill("caretaker")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(url("khulna.localhost", "/staff/"))
    page.goto(url("jashore.localhost", "/staff/"))
    expect(page).to_have_url(url("jashore.localhost", "/staff/login/?next=/staff/"))

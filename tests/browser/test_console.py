"""An operator creates a municipality in the console and sees it become ready."""

import pytest
from playwright.sync_api import expect

from tests.support.cleanup import municipality_drop
from tests.support.tenancy import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_console_creates_a_municipality_that_becomes_ready(page, url, celery_worker):
    try:
        page.goto(url("localhost", "/"))
        page.get_by_label("Username").fill("operator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#municipalities")).to_contain_text("khulna.localhost")

        page.get_by_role("link", name="New municipality").click()
        page.get_by_label("Code").fill("kushtia")
        page.get_by_label("Name in English").fill("Kushtia Paurashava")
        page.get_by_label("Name in Bangla").fill("কুষ্টিয়া পৌরসভা")
        page.get_by_label("Kind").select_option("paurashava")
        page.get_by_label("First admin's username").fill("kushtia_admin")
        page.get_by_label("First admin's email").fill("admin@kushtia.example.org")
        page.get_by_label("First admin's password").fill("Kushtia-Str0ng-pass")
        page.get_by_role("button", name="Create").click()

        expect(page).to_have_url(url("localhost", "/municipalities/kushtia/"))
        # the page refreshes itself until the worker has provisioned the schema
        expect(page.locator("#status [data-status=ready]")).to_be_visible(timeout=60_000)
        expect(page.locator("table.jobs")).to_contain_text("municipality_provision_task")

        page.goto(url("kushtia.localhost", "/bn/"))
        expect(page.locator("h1")).to_have_text("কুষ্টিয়া পৌরসভা")
        page.goto(url("kushtia.localhost", "/staff/login/"))
        page.locator("#id_username").fill("kushtia_admin")
        page.locator("#id_password").fill("Kushtia-Str0ng-pass")
        page.locator("form button[type=submit]").click()
        expect(page.locator("#who")).to_contain_text("Municipal admin")

        # a second try with the same code is refused with a clear message
        page.goto(url("localhost", "/municipalities/new/"))
        page.get_by_label("Code").fill("kushtia")
        page.get_by_role("button", name="Create").click()
        expect(page.locator(".errorlist").first).to_contain_text("already exists")
    finally:
        municipality_drop("kushtia")

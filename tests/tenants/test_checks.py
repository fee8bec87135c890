"""Each tenancy trap makes `manage.py check` fail."""

import copy

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tenants import checks


def _ids(errors) -> set[str]:
    return {e.id for e in errors}


def test_the_project_passes_its_own_checks():
    call_command("check", fail_level="WARNING")


def test_cache_without_tenant_key_function_fails():
    caches = copy.deepcopy(settings.CACHES)
    caches["sessions"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES=caches):
        assert _ids(checks.check_cache_keys_are_tenant_aware()) == {"imis.E001", "imis.E002"}


def test_plain_file_storage_fails():
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    with override_settings(STORAGES=storages):
        assert _ids(checks.check_file_storage_is_tenant_aware()) == {"imis.E003"}


def test_log_handler_without_schema_fails():
    logging_conf = copy.deepcopy(settings.LOGGING)
    logging_conf["handlers"]["file"] = {"class": "logging.NullHandler"}
    with override_settings(LOGGING=logging_conf):
        assert _ids(checks.check_log_lines_carry_the_schema()) == {"imis.E004"}


def test_plain_beat_scheduler_fails():
    with override_settings(CELERY_BEAT_SCHEDULER="celery.beat:PersistentScheduler"):
        assert _ids(checks.check_celery_app_is_tenant_aware()) == {"imis.E006"}


def test_non_tenant_celery_app_fails(monkeypatch):
    from celery import Celery

    plain = Celery("plain", set_as_current=False)
    monkeypatch.setattr(checks, "_current_celery_app", lambda: plain)
    assert "imis.E005" in _ids(checks.check_celery_app_is_tenant_aware())


@pytest.mark.parametrize(
    "override", [{"TENANT_BASE_SCHEMA": None}, {"TENANT_CREATION_FAKES_MIGRATIONS": False}]
)
def test_provisioning_without_template_fails(override):
    with override_settings(**override):
        assert _ids(checks.check_template_schema_cloning()) == {"imis.E007"}

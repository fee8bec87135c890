"""System checks for the tenancy traps in STYLE.md: each one has bitten a
deployment before.  `manage.py check` fails when any is misconfigured."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string

TENANT_KEY_FUNCTION = "django_tenants.cache.make_key"
TENANT_REVERSE_KEY_FUNCTION = "django_tenants.cache.reverse_key"
TENANT_LOG_FILTER = "django_tenants.log.TenantContextFilter"


@register(Tags.caches)
def check_cache_keys_are_tenant_aware(app_configs=None, **kwargs):
    errors = []
    for alias, conf in settings.CACHES.items():
        if conf.get("KEY_FUNCTION") != TENANT_KEY_FUNCTION:
            errors.append(
                Error(
                    f"Cache '{alias}' does not use the tenant-aware key function.",
                    hint=f"Set CACHES['{alias}']['KEY_FUNCTION'] = '{TENANT_KEY_FUNCTION}'.",
                    id="imis.E001",
                )
            )
        if conf.get("REVERSE_KEY_FUNCTION") != TENANT_REVERSE_KEY_FUNCTION:
            errors.append(
                Error(
                    f"Cache '{alias}' does not use the tenant-aware reverse key function.",
                    hint=f"Set REVERSE_KEY_FUNCTION = '{TENANT_REVERSE_KEY_FUNCTION}'.",
                    id="imis.E002",
                )
            )
    return errors


@register(Tags.files)
def check_file_storage_is_tenant_aware(app_configs=None, **kwargs):
    from django_tenants.files.storage import TenantFileSystemStorage

    backend = settings.STORAGES.get("default", {}).get("BACKEND", "")
    try:
        cls = import_string(backend)
    except ImportError:
        cls = None
    if cls is None or not issubclass(cls, TenantFileSystemStorage):
        return [
            Error(
                "The default file storage is not tenant-aware: one municipality "
                "could read another's files.",
                hint="Use django_tenants.files.storage.TenantFileSystemStorage (or a subclass).",
                id="imis.E003",
            )
        ]
    return []


@register(Tags.security)
def check_log_lines_carry_the_schema(app_configs=None, **kwargs):
    logging_conf = getattr(settings, "LOGGING", {}) or {}
    filters = {
        name
        for name, conf in logging_conf.get("filters", {}).items()
        if conf.get("()") == TENANT_LOG_FILTER
    }
    handlers = logging_conf.get("handlers", {})
    bare = sorted(
        name for name, conf in handlers.items() if not filters & set(conf.get("filters", []))
    )
    if not handlers or bare:
        return [
            Error(
                f"Log handler(s) {bare or '(none)'} do not add the schema to log lines.",
                hint=f"Attach a filter with '()': '{TENANT_LOG_FILTER}' to every handler.",
                id="imis.E004",
            )
        ]
    return []


def _current_celery_app():
    from celery import current_app

    return current_app._get_current_object()


@register()
def check_celery_app_is_tenant_aware(app_configs=None, **kwargs):
    from tenant_schemas_celery.app import CeleryApp
    from tenant_schemas_celery.scheduler import TenantAwareSchedulerMixin

    errors = []
    if not isinstance(_current_celery_app(), CeleryApp):
        errors.append(
            Error(
                "The current Celery app is not tenant-aware: tasks would run in public.",
                hint="Import the app from tenants.celery in portal/celery.py.",
                id="imis.E005",
            )
        )
    scheduler = getattr(settings, "CELERY_BEAT_SCHEDULER", "")
    try:
        scheduler_cls = import_string(scheduler.replace(":", "."))
    except ImportError:
        scheduler_cls = None
    if scheduler_cls is None or not issubclass(scheduler_cls, TenantAwareSchedulerMixin):
        errors.append(
            Error(
                "Celery beat's scheduler does not dispatch per tenant.",
                hint="Set CELERY_BEAT_SCHEDULER = 'tenants.scheduler:ReadyTenantsScheduler'.",
                id="imis.E006",
            )
        )
    return errors


@register(Tags.database)
def check_template_schema_cloning(app_configs=None, **kwargs):
    if not getattr(settings, "TENANT_BASE_SCHEMA", None) or not getattr(
        settings, "TENANT_CREATION_FAKES_MIGRATIONS", False
    ):
        return [
            Error(
                "Municipalities must be cloned from a template schema.",
                hint="Set TENANT_BASE_SCHEMA and TENANT_CREATION_FAKES_MIGRATIONS = True.",
                id="imis.E007",
            )
        ]
    return []

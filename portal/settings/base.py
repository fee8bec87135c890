"""The one complete settings module.  Every deployment differs only by the
environment variables read through :mod:`portal.settings.env`."""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from portal.settings.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = env_path("IMIS_VAR_DIR", BASE_DIR / "var")

SECRET_KEY = env_str(
    "IMIS_SECRET_KEY", "insecure-local-only-key-change-me-in-production-0123456789"
)
DEBUG = env_bool("IMIS_DEBUG", False)
# Municipalities are added at run time, so hosts are checked by the tenant
# middleware against the Domain table; this list only keeps junk Host headers out.
ALLOWED_HOSTS = env_list("IMIS_ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1,testserver")
CSRF_TRUSTED_ORIGINS = env_list("IMIS_CSRF_TRUSTED_ORIGINS", "")

# --- Tenancy -------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "tenants.audit",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenants.audit",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    "citizen",
    "backoffice.workspace",
    "backoffice.registry",
    "backoffice.registry.importing",
    "backoffice.fsm",
    "backoffice.fsm.reports",
    "backoffice.billing",
    "backoffice.billing.pdf",
    "backoffice.notifications",
    "backoffice.payments",
    "backoffice.water",
    "maps",
    "maps.viewer",
    "maps.exports",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Municipality"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "portal.urls_public"
ROOT_URLCONF = "portal.urls_tenant"
# New municipalities are cloned from this registered template schema
# (0.8 s instead of 6 s of migrations); see docs/adr/0002.
TENANT_BASE_SCHEMA = "imis_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# Issue SET search_path once per tenant switch, not before every query (it
# doubled every page's round trips); switches and rollbacks still re-issue it.
TENANT_LIMIT_SET_CALLS = True
# How long a web process trusts its host -> municipality lookup.
IMIS_TENANT_CACHE_SECONDS = env_int("IMIS_TENANT_CACHE_SECONDS", 30)
IMIS_BASE_DOMAIN = env_str("IMIS_BASE_DOMAIN", "localhost")
IMIS_CONSOLE_HOSTS = env_list("IMIS_CONSOLE_HOSTS", "localhost,127.0.0.1")
# Steps run, in order, inside the new schema by tenants.services.municipality_provision.
# Apps above tenants contribute their own steps here so tenants never imports them.
IMIS_PROVISIONING_STEPS = [
    "tenants.provisioning.roles_seed_step",
    "citizen.provisioning.site_create_step",
    "backoffice.registry.provisioning.registry_config_step",
    "backoffice.billing.pdf.provisioning.signing_identity_step",
    "tenants.provisioning.first_admin_step",
]

DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "HOST": env_str("IMIS_DB_HOST", "127.0.0.1"),
        "PORT": env_str("IMIS_DB_PORT", "55432"),
        "NAME": env_str("IMIS_DB_NAME", "imis"),
        "USER": env_str("IMIS_DB_USER", "imis"),
        "PASSWORD": env_str("IMIS_DB_PASSWORD", ""),
        "CONN_MAX_AGE": env_int("IMIS_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": env_str("IMIS_TEST_DB_NAME", "test_imis")},
    }
}
ORIGINAL_BACKEND = "django.contrib.gis.db.backends.postgis"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "tenants.middleware.MunicipalityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "citizen.middleware.PublicLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "citizen.middleware.MunicipalityRedirectMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.municipality",
                "citizen.context_processors.branding",
            ]
        },
    }
]
WSGI_APPLICATION = "portal.wsgi.application"

# --- Auth: operators in public, staff in their municipality's schema ------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/staff/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("IMIS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Language, time ------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("bn", _("Bangla"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Dhaka"
USE_I18N = True
USE_TZ = True

# --- Files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list = []
if (VAR_DIR / "static-src").is_dir():  # fonts copied from the system at set-up
    STATICFILES_DIRS.append(VAR_DIR / "static-src")
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # media/<schema>/...
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Registry imports (backoffice.registry.importing): uploads and reports are
# kept outside MEDIA_ROOT, never served by URL, per municipality.
IMIS_PRIVATE_MEDIA_ROOT = env_path("IMIS_PRIVATE_MEDIA_ROOT", VAR_DIR / "private")
IMIS_IMPORT_MAX_UPLOAD_BYTES = env_int("IMIS_IMPORT_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
IMIS_IMPORT_MAX_ARCHIVE_MEMBERS = env_int("IMIS_IMPORT_MAX_ARCHIVE_MEMBERS", 50)
IMIS_IMPORT_MAX_UNPACKED_BYTES = env_int("IMIS_IMPORT_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024)
# Parallel workers for an import's checks and index builds, besides the
# leader (which also writes the checked table): one process per database
# server core ran the checks of 156,052 buildings in 0.9 s on two cores,
# leader and two workers in 1.07 s (index builds: 0.1 s less).  The default
# assumes the database shares this machine's cores; set it for a database
# server of its own.
IMIS_IMPORT_PARALLEL_WORKERS = env_int(
    "IMIS_IMPORT_PARALLEL_WORKERS", max(1, (os.cpu_count() or 2) - 1)
)
# Tests only: hold an import's insert transaction open this long (a worker is killed in it).
IMIS_IMPORT_COMMIT_DELAY_SECONDS = env_int("IMIS_IMPORT_COMMIT_DELAY_SECONDS", 0)
# Tests only: a bill run holds its second ward's transaction open this long
# (a test kills the worker in it).
IMIS_BILLING_ISSUE_HOLD_SECONDS = env_int("IMIS_BILLING_ISSUE_HOLD_SECONDS", 0)

# --- Cache: every alias keyed by schema (see tenants/checks.py) ------------
REDIS_URL = env_str("IMIS_REDIS_URL", "redis://127.0.0.1:56379/0")
CACHES = {
    "default": {
        "BACKEND": "tenants.redis_cache.PooledRedisCache",  # one redis client per pool
        "LOCATION": env_str("IMIS_CACHE_URL", REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "TIMEOUT": 300,
    }
}

# --- Logging: every line carries the schema -------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "tenant": {
            "format": "%(asctime)s %(levelname)s [%(schema_name)s:%(domain_url)s] "
            "%(name)s: %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context"],
            "formatter": "tenant",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("IMIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail's immediate task backend logs every search-index update.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # a line per rendering step
        "fontTools": {"level": "WARNING"},
    },
}

# --- Wagtail (one site per municipality) ---------------------------------
WAGTAIL_SITE_NAME = "IMIS"
WAGTAILADMIN_BASE_URL = env_str("IMIS_WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "odt", "ods"]

# --- Demo ----------------------------------------------------------------
IMIS_DEMO_PASSWORD = env_str("IMIS_DEMO_PASSWORD", "")
# Run in each demo municipality's schema after it is provisioned (synthetic data).
IMIS_DEMO_STEPS: list[str] = [
    "backoffice.registry.synthetic.demo_step",
    "backoffice.billing.pdf.provisioning.signing_identity_demo_step",
    "backoffice.fsm.reports.demo.demo_step",  # last month's provider reports
]
IMIS_DEMO_SCALE = env_str("IMIS_DEMO_SCALE", "medium")  # tiny, medium or khulna
# Extra steps of the synthetic city generator (after the registry's own), by
# dotted path: modules add their synthetic data (containments, connections...).
IMIS_SYNTHETIC_STEPS: list[str] = [
    "backoffice.fsm.synthetic.fsm_step",
    "backoffice.billing.synthetic.billing_step",  # a year of bill runs and payments
    "backoffice.water.synthetic.water_supply_step",  # connections, readings, bills, payments
    "maps.synthetic.tiles_retire_step",  # last: COPY bypasses the tile-cache signals
]
# Billing's synthetic step pays a share of each run's bills through this
# (payments depends on billing, so billing reaches it by path); "" for none.
IMIS_SYNTHETIC_BILL_PAYMENTS = "backoffice.payments.synthetic.bill_payments_make"
IMIS_SYNTHETIC_WATER_PAYMENTS = "backoffice.payments.synthetic.water_bill_payments_make"

from portal.settings.celery import *  # noqa: E402,F403  (integration module)
from portal.settings.payments import *  # noqa: E402,F403  (integration module)
from portal.settings.sms import *  # noqa: E402,F403  (integration module)

# GDAL 3.6 (Debian 12) cannot block network access from spatial references;
# our importers only accept the vector drivers they allow and reproject from
# EPSG codes, never from user-supplied WKT with URLs (docs/adr/0001).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

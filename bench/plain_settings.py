"""The routing benchmark's baseline: plain Django serving the same ``ping``
view, with the portal's generic middleware but nothing of tenancy (no
django-tenants backend or middleware, no Wagtail).  Standalone on purpose:
it does not import the portal package (nor its Celery app)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IMIS_VAR_DIR") or BASE_DIR / "var")

SECRET_KEY = "bench-only-plain-settings-not-a-secret-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1"]
ROOT_URLCONF = "bench.plain_urls"
WSGI_APPLICATION = None

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
# The routing benchmark passes the portal's generic middleware (its MIDDLEWARE
# minus the tenant-side entries) so both servers run the same stack; this
# default is that list at the time of writing, for running the server by hand.
MIDDLEWARE = [
    entry for entry in os.environ.get("IMIS_BENCH_PLAIN_MIDDLEWARE", "").split(",") if entry.strip()
] or [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Plain PostGIS, same server and pool settings; the ping view never queries.
DATABASES = {
    "default": {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "HOST": os.environ.get("IMIS_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("IMIS_DB_PORT", "55432"),
        "NAME": os.environ.get("IMIS_DB_NAME", "imis"),
        "USER": os.environ.get("IMIS_DB_USER", "imis"),
        "PASSWORD": os.environ.get("IMIS_DB_PASSWORD", ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("bn", "Bangla")]
TIME_ZONE = "Asia/Dhaka"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

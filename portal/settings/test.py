"""Test settings: the base module plus what makes a suite fast and
deterministic.  Real PostgreSQL/PostGIS and Redis all the same."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import REDIS_URL
from portal.settings.env import env_int, env_str

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
IMIS_TENANT_CACHE_SECONDS = 0
_REDIS_BASE = REDIS_URL.rsplit("/", 1)[0]
# Separate Redis databases so a running `deploy/local up` is never touched;
# IMIS_TEST_REDIS_DB lets two suites share one Redis (three numbers each).
_REDIS_DB = env_int("IMIS_TEST_REDIS_DB", 10)
CELERY_BROKER_URL = f"{_REDIS_BASE}/{_REDIS_DB}"
CACHES["default"]["LOCATION"] = f"{_REDIS_BASE}/{_REDIS_DB + 1}"  # noqa: F405
CELERY_RESULT_BACKEND = f"{_REDIS_BASE}/{_REDIS_DB + 2}"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = VAR_DIR / env_str("IMIS_TEST_DB_NAME", "test_imis") / "media"  # noqa: F405
IMIS_PRIVATE_MEDIA_ROOT = MEDIA_ROOT.parent / "private"

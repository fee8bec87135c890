"""Test settings: the base module plus what makes a suite fast and
deterministic.  Real PostgreSQL/PostGIS and Redis all the same."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
IMIS_TENANT_CACHE_SECONDS = 0
_REDIS_BASE = REDIS_URL.rsplit("/", 1)[0]
# Separate Redis databases so a running `deploy/local up` is never touched.
CACHES["default"]["LOCATION"] = _REDIS_BASE + "/11"  # noqa: F405
CELERY_BROKER_URL = _REDIS_BASE + "/10"
CELERY_RESULT_BACKEND = _REDIS_BASE + "/12"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405

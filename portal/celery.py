"""Wire the tenant-aware Celery app (defined in tenants.celery) to settings."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

from tenants.celery import app  # noqa: E402

app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

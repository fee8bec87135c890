"""Private, per-municipality file storage: uploads, reports, photos, PDFs.

Files under ``MEDIA_ROOT`` are served by URL to anyone on the municipality's
host (tenants.views.media_serve); uploaded registry files and rejection
reports, emptying photos and bills can hold personal data, so they live beside it, under
``IMIS_PRIVATE_MEDIA_ROOT/<schema>/``, and are only ever handed out by a
role-checked view."""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django_tenants.files.storage import TenantFileSystemStorage


def private_root() -> Path:
    return Path(settings.IMIS_PRIVATE_MEDIA_ROOT)


class PrivateTenantStorage(TenantFileSystemStorage):
    """Tenant-aware like the default storage, but with no public URL."""

    @property
    def relative_media_root(self):
        return os.path.join(private_root(), "%s")

    def url(self, name):  # never a public URL: files go through a view
        raise ValueError("private files have no URL")


def private_storage() -> PrivateTenantStorage:
    """Callable for ``FileField(storage=...)`` (kept out of migrations)."""
    return storages.create_storage({"BACKEND": f"{__name__}.PrivateTenantStorage"})

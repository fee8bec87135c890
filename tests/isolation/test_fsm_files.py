"""Emptying photos (receipts, people's houses) are private: stored per
schema outside MEDIA_ROOT, never served by a /media/ URL, and handed out
only by the role-checked photo view on their own municipality's host."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingPhoto
from tests.backoffice.fsm.factories import application_at, fsm_sample
from tests.conftest import login

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_emptying_photos_are_private_and_stay_in_their_municipality(
    tenant_a, tenant_b, client_a, client_b
):
    with schema_context(tenant_a.schema_name):
        ctx = fsm_sample(tenant_a)
        app = application_at(ctx, wf.SCHEDULED)
        services.application_empty(
            actor=ctx["provider_user"],
            application=app,
            volume_m3=3,
            photos=[("receipt", ContentFile(JPEG, name="receipt.jpg"))],
        )
        photo = EmptyingPhoto.objects.get(application=app)
        path, name = photo.image.path, photo.image.name
        with pytest.raises(ValueError):
            photo.image.url  # noqa: B018  (no public URL)
    assert "/private/khulna/" in path and "/media/" not in path
    assert client_a.get(f"/media/khulna/{name}").status_code == 404
    # even a file put under fsm/ in the public storage is not served
    with schema_context(tenant_a.schema_name):
        stray = default_storage.save("fsm/stray.txt", ContentFile(b"x"))
    try:
        assert client_a.get(f"/media/khulna/{stray}").status_code == 404
    finally:
        with schema_context(tenant_a.schema_name):
            default_storage.delete(stray)
    login(client_a, tenant_a, "fsm_manager")
    assert client_a.get(f"/staff/fsm/photos/{photo.pk}/").status_code == 200
    login(client_b, tenant_b, "fsm_manager")
    assert client_b.get(f"/staff/fsm/photos/{photo.pk}/").status_code == 404

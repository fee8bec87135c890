"""An emptying photo, served through a role check: the office sees every
job's photos, a service provider only its own jobs' photos."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from backoffice.fsm import selectors
from backoffice.fsm.models import EmptyingPhoto
from backoffice.fsm.views import access
from tenants.permissions import role_required

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


@role_required(*access.INBOX_READERS, *access.PROVIDERS, module=access.MODULE)
@require_GET
def photo(request, pk: int):
    visible = selectors.applications_for_user(request.user)
    item = EmptyingPhoto.objects.filter(pk=pk, application__in=visible).first()
    if item is None:
        raise Http404
    suffix = item.image.name.rsplit(".", 1)[-1].lower()
    try:
        handle = item.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(suffix, "image/jpeg"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response

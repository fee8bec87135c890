from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def ping(request):
    """The cheapest answer a host gives: for load balancers and the routing bench."""
    return HttpResponse("pong", content_type="text/plain")


# Never by a /media/ URL, whatever storage wrote them: Wagtail documents
# (their collection's rules apply through /documents/) and FSM files.
PRIVATE_MEDIA_PREFIXES = ("documents/", "fsm/")


def media_serve(request, schema: str, path: str):
    """Uploaded files, served only to their own municipality's host.

    Behind a production web server the same rule applies there (deploy/);
    here it keeps one municipality from reading another's /media/ URLs."""
    from pathlib import Path

    from django.conf import settings
    from django.db import connection
    from django.http import Http404
    from django.views.static import serve

    if schema != connection.schema_name:
        raise Http404
    # Wagtail documents can sit in private collections: they are served only
    # through /documents/<id>/<name>, which applies the collection's rules.
    if path.startswith(PRIVATE_MEDIA_PREFIXES):
        raise Http404
    return serve(request, path, document_root=str(Path(settings.MEDIA_ROOT) / schema))

from django.db import connection
from django_tenants.utils import get_public_schema_name
from wagtail.contrib.redirects.middleware import RedirectMiddleware


class MunicipalityRedirectMiddleware(RedirectMiddleware):
    """Wagtail's redirects live in each municipality's schema; the console
    (public schema) has no Wagtail tables, so its 404s are left alone."""

    def process_response(self, request, response):
        if connection.schema_name == get_public_schema_name():
            return response
        return super().process_response(request, response)

from django.db import connection
from django.middleware.locale import LocaleMiddleware
from django.utils.translation import get_language
from django_tenants.utils import get_public_schema_name
from wagtail.contrib.redirects.middleware import RedirectMiddleware


class MunicipalityRedirectMiddleware(RedirectMiddleware):
    """Wagtail's redirects live in each municipality's schema; the console
    (public schema) has no Wagtail tables, so its 404s are left alone."""

    def process_response(self, request, response):
        if connection.schema_name == get_public_schema_name():
            return response
        return super().process_response(request, response)


class PublicLocaleMiddleware(LocaleMiddleware):
    """Language prefixes (/en/, /bn/) belong to the public site only.

    Wagtail's catch-all makes every /<lang>/... path resolve, so Django's
    LocaleMiddleware would answer a missing staff URL with a redirect to
    /en/staff/...; staff, admin and API paths 404 where they are."""

    UNPREFIXED = (
        "/staff/",
        "/cms/",
        "/health/",
        "/ping/",
        "/media/",
        "/static/",
        "/i18n/",
        "/documents/",
        "/bills/",
        "/api/",
        "/ogc/",
        "/tiles/",
    )

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith(self.UNPREFIXED):
            response.headers.setdefault("Content-Language", get_language())
            return response
        return super().process_response(request, response)

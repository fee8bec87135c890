"""The public schema serves only the platform: the operators' console and health."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tenants.console.urls")),
]

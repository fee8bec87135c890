"""The public schema serves only the platform: the operators' console and health."""

from django.urls import include, path

urlpatterns = [
    path("", include("tenants.console.urls")),
]

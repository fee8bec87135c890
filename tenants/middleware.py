"""Host -> municipality routing with a short per-process memory.

django-tenants looks the host up in the Domain table on every request and
resets the connection to public and back; for a trivial view that was most
of the cost.  Each web process keeps host -> municipality for
IMIS_TENANT_CACHE_SECONDS, and a request for the municipality the connection
already serves skips the switch (so its ContentType cache and search_path
stay valid).  Everything else goes through django-tenants unchanged."""

import time

from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_database_alias

from tenants.clock import municipality_timezone_activate

_hosts: dict[str, tuple[float, object]] = {}


def tenant_host_cache_clear() -> None:
    _hosts.clear()


def _not_ready(tenant) -> HttpResponse:
    body = render_to_string("tenants/not_ready.html", {"municipality": tenant})
    return HttpResponse(body, status=503, headers={"Retry-After": "10"})


class MunicipalityMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        ttl = settings.IMIS_TENANT_CACHE_SECONDS
        tenant = super().get_tenant(domain_model, hostname)
        # A municipality still being provisioned is looked up again each time.
        if ttl > 0 and (tenant.ready or tenant.schema_name == get_public_schema_name()):
            if len(_hosts) > 5000:  # bounded: junk Host headers cannot grow it
                _hosts.clear()
            _hosts[hostname] = (time.monotonic() + ttl, tenant)
        return tenant

    def process_request(self, request):
        timezone.deactivate()  # nothing of the previous request's clock stays
        if settings.IMIS_TENANT_CACHE_SECONDS > 0:
            hostname = self.hostname_from_request(request)  # validates ALLOWED_HOSTS
            hit = _hosts.get(hostname)
            if hit is not None and hit[0] > time.monotonic():
                return self._route(request, hit[1], hostname)
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        municipality_timezone_activate(tenant)
        if not tenant.ready and tenant.schema_name != get_public_schema_name():
            return _not_ready(tenant)
        return None

    def _route(self, request, tenant, hostname):
        connection = connections[get_tenant_database_alias()]
        if connection.tenant is not tenant:
            connection.set_tenant(tenant)
        tenant.domain_url = hostname
        request.tenant = tenant
        municipality_timezone_activate(tenant)
        if tenant.schema_name == get_public_schema_name():
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        return None

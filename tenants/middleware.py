"""Host -> municipality routing with a short per-process memory.

django-tenants looks the host up in the Domain table on every request; at
hundreds of requests a second that query is most of a trivial view's cost,
so each web process keeps the answer for IMIS_TENANT_CACHE_SECONDS."""

import time

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware

_hosts: dict[str, tuple[float, object]] = {}


def tenant_host_cache_clear() -> None:
    _hosts.clear()


class MunicipalityMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        ttl = settings.IMIS_TENANT_CACHE_SECONDS
        now = time.monotonic()
        if ttl > 0:
            hit = _hosts.get(hostname)
            if hit is not None and hit[0] > now:
                return hit[1]
        tenant = super().get_tenant(domain_model, hostname)
        if ttl > 0:
            if len(_hosts) > 5000:  # bounded: junk Host headers cannot grow it
                _hosts.clear()
            _hosts[hostname] = (now + ttl, tenant)
        return tenant

    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        if not tenant.ready and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME:
            body = render_to_string("tenants/not_ready.html", {"municipality": tenant})
            return HttpResponse(body, status=503, headers={"Retry-After": "10"})
        return None

"""Beat has no tenant: it sends each periodic job once per *ready*
municipality (the template schema and half-provisioned ones are skipped)."""

from django.db.models import QuerySet
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler


def ready_municipalities() -> QuerySet:
    from tenants.selectors import municipality_ready_list

    return municipality_ready_list()


class ReadyTenantsScheduler(TenantAwarePersistentScheduler):
    @classmethod
    def get_queryset(cls) -> QuerySet:
        return ready_municipalities()

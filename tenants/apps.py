from django.apps import AppConfig


class TenantsConfig(AppConfig):
    """The ground floor: municipalities and domains, roles, provisioning, jobs."""

    name = "tenants"

    def ready(self) -> None:
        from tenants import checks  # noqa: F401  (registers the system checks)

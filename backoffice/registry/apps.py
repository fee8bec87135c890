from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The One-ID registry: wards, roads, buildings (BIN), holdings (LGED
    code), owners.  Every later module links to these records."""

    name = "backoffice.registry"
    label = "registry"
    verbose_name = "Registry"

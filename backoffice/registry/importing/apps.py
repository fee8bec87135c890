from django.apps import AppConfig


class RegistryImportConfig(AppConfig):
    """Background imports into the registry (Shapefile, GeoPackage, CSV/Excel)."""

    name = "backoffice.registry.importing"
    label = "registry_import"

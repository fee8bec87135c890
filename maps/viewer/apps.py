from django.apps import AppConfig


class MapViewerConfig(AppConfig):
    """The staff map page (/staff/map/) and its JSON endpoints."""

    name = "maps.viewer"
    label = "maps_viewer"

    def ready(self) -> None:
        # Each app's ``map_search`` module says how find matches its search
        # fields (maps.tools.lookup.search_field_register): maps names no domain.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("map_search")

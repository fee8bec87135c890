from django.apps import AppConfig


class MapViewerConfig(AppConfig):
    """The staff map page (/staff/map/) and its JSON endpoints."""

    name = "maps.viewer"
    label = "maps_viewer"

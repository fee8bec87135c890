from django.apps import AppConfig


class MapExportsConfig(AppConfig):
    """Exports of layers and tool results (and their background task)."""

    name = "maps.exports"
    label = "maps_exports"

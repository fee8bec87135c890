from django.apps import AppConfig


class MapsConfig(AppConfig):
    """The generic GIS engine.  Domains register their layers here; it imports none."""

    name = "maps"

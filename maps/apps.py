from django.apps import AppConfig


class MapsConfig(AppConfig):
    """The generic GIS engine.  Domains register their layers here; it imports none."""

    name = "maps"

    def ready(self) -> None:
        # Each installed app's ``layers`` module registers its layers (as
        # Wagtail finds ``wagtail_hooks``): maps never names a domain.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("layers")

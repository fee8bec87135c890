from django.apps import AppConfig


class WaterConfig(AppConfig):
    """Water supply: connections, meters, readings, tariffs, monthly bill runs
    and new-connection applications."""

    name = "backoffice.water"
    label = "water"

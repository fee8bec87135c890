from django.apps import AppConfig


class WaterConfig(AppConfig):
    """Water supply: connections, meters, readings, tariffs, monthly bill runs
    and new-connection applications."""

    name = "backoffice.water"
    label = "water"

    def ready(self) -> None:
        # Water bills on billing's verification page and bills API, signed
        # PDFs through billing's machinery (billing never imports water).
        from backoffice.water.pdf import water_bill_kind_register

        water_bill_kind_register()

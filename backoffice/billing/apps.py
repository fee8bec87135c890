from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Holding tax and water billing: tariffs, bill runs, payments, receipts."""

    name = "backoffice.billing"
    label = "billing"

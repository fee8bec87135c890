from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Online payments through gateway adapters (SSLCommerz v4, ekPay),
    counter payments, receipts and their cancellation."""

    name = "backoffice.payments"
    label = "payments"

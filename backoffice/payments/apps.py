from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Online payments through gateway adapters (SSLCommerz v4, ekPay),
    counter payments, receipts and their cancellation."""

    name = "backoffice.payments"
    label = "payments"

    def ready(self) -> None:
        # Bills' verification page and API ask billing's hook whether a bill
        # is paid; payments answers it (billing never imports payments).
        try:
            from backoffice.billing.pdf.payment_status import payment_status_register
        except ImportError:  # bill PDFs not installed
            return
        from backoffice.payments.selectors import bill_payment_status

        payment_status_register(bill_payment_status)

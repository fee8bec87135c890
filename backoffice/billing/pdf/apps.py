from django.apps import AppConfig


class BillingPdfConfig(AppConfig):
    """Signed bilingual PDF bills: the municipality's signing identity, PDFs
    made on demand and cached, ward print batches, the public verification
    page and the bills API."""

    name = "backoffice.billing.pdf"
    label = "billing_pdf"

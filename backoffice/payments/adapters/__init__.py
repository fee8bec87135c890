"""Gateway adapters: ``adapter_get(slug)`` builds one from the municipality's
GatewayAccount row or the environment defaults."""

from django.conf import settings

from backoffice.payments.adapters.base import GatewayAdapter, GatewayError
from backoffice.payments.adapters.ekpay import EkPayAdapter
from backoffice.payments.adapters.sslcommerz import SslCommerzAdapter

__all__ = ["GatewayAdapter", "GatewayError", "adapter_get"]

_CLASSES = {"sslcommerz": SslCommerzAdapter, "ekpay": EkPayAdapter}


def _defaults(slug: str) -> dict:
    if slug == "sslcommerz":
        return {
            "base_url": settings.IMIS_SSLCOMMERZ_URL,
            "store_id": settings.IMIS_SSLCOMMERZ_STORE_ID,
            "store_password": settings.IMIS_SSLCOMMERZ_STORE_PASSWORD,
        }
    return {
        "base_url": settings.IMIS_EKPAY_URL,
        "store_id": settings.IMIS_EKPAY_MERCHANT_ID,
        "store_password": settings.IMIS_EKPAY_MERCHANT_KEY,
    }


def adapter_get(slug: str) -> GatewayAdapter:
    from backoffice.payments.models import GatewayAccount

    if slug not in _CLASSES:
        raise GatewayError(f"unknown gateway {slug!r}")
    account = GatewayAccount.objects.filter(gateway=slug).first()
    if account is not None:
        if not account.enabled:
            raise GatewayError(f"{slug} is switched off for this municipality")
        config = {
            "base_url": account.base_url,
            "store_id": account.store_id,
            "store_password": account.store_password,
        }
    else:
        config = _defaults(slug)
    return _CLASSES[slug](**config, timeout=settings.IMIS_PAYMENTS_TIMEOUT_SECONDS)

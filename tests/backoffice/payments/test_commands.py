"""The operator's command for a municipality's own gateway account."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from backoffice.payments.adapters import GatewayError, adapter_get
from backoffice.payments.models import GatewayAccount


def test_set_use_and_disable_a_gateway_account(tenant_a, tenant_b, monkeypatch):
    monkeypatch.setenv("KHULNA_SSL_PASSWORD", "live-secret")
    with schema_context(tenant_a.schema_name):
        call_command(
            "payment_gateway_set",
            "sslcommerz",
            url="https://securepay.sslcommerz.com",
            store_id="khulnalive",
            password_env="KHULNA_SSL_PASSWORD",
        )
        adapter = adapter_get("sslcommerz")
        assert (adapter.base, adapter.store_id, adapter.store_password) == (
            "https://securepay.sslcommerz.com",
            "khulnalive",
            "live-secret",
        )
        call_command("payment_gateway_set", "sslcommerz", disable=True)
        with pytest.raises(GatewayError):
            adapter_get("sslcommerz")
        with pytest.raises(CommandError):  # no password, no URL: incomplete
            call_command("payment_gateway_set", "ekpay", store_id="x")
    with schema_context(tenant_b.schema_name):  # Jashore keeps the defaults
        assert not GatewayAccount.objects.exists()
        assert adapter_get("sslcommerz").store_id != "khulnalive"

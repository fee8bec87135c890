"""Set a municipality's own merchant account with a gateway (without one,
the IMIS_SSLCOMMERZ_* / IMIS_EKPAY_* environment defaults apply):

    manage.py tenant_command payment_gateway_set --schema=khulna sslcommerz \\
        --url https://securepay.sslcommerz.com --store-id khulnalive \\
        --password-env KHULNA_SSLCOMMERZ_PASSWORD
    manage.py tenant_command payment_gateway_set --schema=khulna ekpay --disable

The password is read from the named environment variable, never from the
command line (shell history, process list)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from backoffice.payments.models import Gateway, GatewayAccount
from tenants.audit.services import audit_event_record


class Command(BaseCommand):
    help = "Set this municipality's merchant account with a payment gateway."

    def add_arguments(self, parser):
        parser.add_argument("gateway", choices=Gateway.values)
        parser.add_argument("--url", help="the gateway's base URL")
        parser.add_argument("--store-id", help="store id (SSLCommerz) / merchant id (ekPay)")
        parser.add_argument("--password-env", help="environment variable holding the password")
        parser.add_argument("--disable", action="store_true", help="switch the gateway off")
        parser.add_argument("--enable", action="store_true", help="switch it on again")

    @transaction.atomic
    def handle(self, *args, **options):
        if connection.schema_name == "public":
            raise CommandError("run it for a municipality: tenant_command ... --schema=CODE")
        account = GatewayAccount.objects.filter(gateway=options["gateway"]).first()
        if account is None:
            account = GatewayAccount(gateway=options["gateway"])
        if options["url"]:
            account.base_url = options["url"]
        if options["store_id"]:
            account.store_id = options["store_id"]
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"${options['password_env']} is empty or not set")
            account.store_password = password
        if options["disable"]:
            account.enabled = False
        if options["enable"]:
            account.enabled = True
        try:
            account.full_clean()
        except Exception as exc:
            raise CommandError(f"incomplete account: {exc}") from exc
        account.save()
        audit_event_record(
            actor=None,
            action="payments.gateway_account_set",
            obj=account,
            data={"url": account.base_url, "store_id": account.store_id, "on": account.enabled},
        )
        state = "on" if account.enabled else "off"
        self.stdout.write(
            f"{connection.schema_name}: {account.gateway} at {account.base_url} ({state})"
        )

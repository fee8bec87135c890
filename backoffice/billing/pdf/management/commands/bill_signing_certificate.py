"""Print the certificate a validator of this municipality's bills must
trust (its CA, or the certificate itself when self-signed), in PEM:

    manage.py tenant_command bill_signing_certificate --schema=khulna > khulna-ca.pem
    certutil -A -d sql:NSSDIR -n khulna -t "CT,C,C" -i khulna-ca.pem   # then pdfsig -nssdir

The same file is served at https://<municipality host>/bills/signing-certificate.pem."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backoffice.billing.pdf import signing


class Command(BaseCommand):
    help = "Print the certificate to trust when validating this municipality's signed bills."

    def add_arguments(self, parser):
        parser.add_argument("--signer", action="store_true", help="the signing certificate too")

    def handle(self, *args, **options):
        identity = signing.signing_identity_active()
        if identity is None:
            raise CommandError(f"{connection.schema_name} has no signing identity")
        self.stdout.write(signing.trust_anchor_pem(identity), ending="")
        if options["signer"]:
            self.stdout.write(identity.certificate_pem, ending="")

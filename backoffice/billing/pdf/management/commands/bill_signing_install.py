"""Install a municipality's real revenue-chief certificate and key:

    manage.py tenant_command bill_signing_install --schema=khulna --p12 chief.p12
    manage.py tenant_command bill_signing_install --schema=khulna \\
        --key chief.key --cert chief.pem [--chain ca.pem]

The password of the PKCS#12 file or key is read from the environment
variable named by --password-env (default IMIS_SIGNING_PASSWORD), or asked
for when --prompt is given; never from the command line.  Without a file,
--demo makes a new demo identity (own CA) for the municipality."""

import getpass
import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backoffice.billing.pdf import signing
from backoffice.billing.pdf.models import SigningIdentity
from backoffice.billing.pdf.rendering import municipality_current


class Command(BaseCommand):
    help = "Install the revenue chief's signing certificate and key for this municipality."

    def add_arguments(self, parser):
        parser.add_argument("--p12", help="PKCS#12 file with the key, certificate and chain")
        parser.add_argument("--key", help="PEM private key")
        parser.add_argument("--cert", help="PEM certificate (may be followed by its chain)")
        parser.add_argument("--chain", help="PEM issuer certificates up to the root")
        parser.add_argument("--password-env", default="IMIS_SIGNING_PASSWORD")
        parser.add_argument("--prompt", action="store_true", help="ask for the password")
        parser.add_argument("--demo", action="store_true", help="make a new demo identity")

    def _password(self, options) -> bytes | None:
        if options["prompt"]:
            value = getpass.getpass("Password: ")
        else:
            value = os.environ.get(options["password_env"], "")
        return value.encode() if value else None

    def handle(self, *args, **options):
        if connection.schema_name == "public":
            raise CommandError("run it in a municipality: tenant_command ... --schema=CODE")
        try:
            if options["demo"]:
                municipality = municipality_current()
                material = signing.demo_material_make(name_en=municipality.name_en)
                source = SigningIdentity.Source.DEMO
            elif options["p12"]:
                data = Path(options["p12"]).read_bytes()
                material = signing.material_from_pkcs12(data, self._password(options))
                source = SigningIdentity.Source.INSTALLED
            elif options["key"] and options["cert"]:
                material = signing.material_from_pem(
                    key_pem=Path(options["key"]).read_bytes(),
                    cert_pem=Path(options["cert"]).read_bytes(),
                    chain_pem=Path(options["chain"]).read_bytes() if options["chain"] else b"",
                    password=self._password(options),
                )
                source = SigningIdentity.Source.INSTALLED
            else:
                raise CommandError("give --p12 FILE, or --key FILE --cert FILE, or --demo")
            identity = signing.signing_identity_install(
                actor=None, material=material, source=source
            )
        except (ValidationError, OSError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("; ".join(messages)) from exc
        self.stdout.write(
            f"{connection.schema_name}: installed {identity.subject}\n"
            f"SHA-256 {identity.fingerprint}, valid until {identity.not_after:%Y-%m-%d}"
        )

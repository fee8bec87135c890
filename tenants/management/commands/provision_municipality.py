from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Municipality
from tenants.services import ProvisioningError, municipality_create


class Command(BaseCommand):
    help = "Provision a municipality: schema (cloned), Wagtail site, roles, first admin."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--name-bn", required=True)
        parser.add_argument(
            "--kind",
            required=True,
            choices=[k for k in Municipality.Kind.values if k != Municipality.Kind.PLATFORM],
        )
        parser.add_argument("--domain", action="append", required=True, dest="domains")
        parser.add_argument("--module", action="append", dest="modules")
        parser.add_argument("--admin-username", default="")
        parser.add_argument("--admin-email", default="")
        parser.add_argument(
            "--admin-password",
            default="",
            help="Prefer the IMIS_ADMIN_PASSWORD environment variable (not in shell history).",
        )

    def handle(self, *args, **o):
        import os

        password = o["admin_password"] or os.environ.get("IMIS_ADMIN_PASSWORD", "")
        if o["admin_username"] and not password:
            raise CommandError("Give the first admin's password (IMIS_ADMIN_PASSWORD).")
        try:
            municipality = municipality_create(
                actor=None,
                code=o["code"],
                name_en=o["name_en"],
                name_bn=o["name_bn"],
                kind=o["kind"],
                domains=o["domains"],
                modules=o["modules"],
                admin_username=o["admin_username"],
                admin_email=o["admin_email"],
                admin_password=password,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{municipality.code} is ready."))

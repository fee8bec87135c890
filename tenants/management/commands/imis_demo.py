import os

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.demo import demo_password_resolve, demo_setup


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo console and municipalities."

    def handle(self, *args, **options):
        password, generated = demo_password_resolve(settings.VAR_DIR)
        lines = demo_setup(
            base_domain=settings.IMIS_BASE_DOMAIN,
            console_hosts=settings.IMIS_CONSOLE_HOSTS,
            password=password,
        )
        port = os.environ.get("IMIS_HTTP_PORT", "8000")
        text = "\n".join(line.replace("PORT", port) for line in lines)
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        credentials.write_text(text + "\n")
        credentials.chmod(0o600)
        self.stdout.write("Demo logins" + (" (password generated now)" if generated else "") + ":")
        self.stdout.write(text)

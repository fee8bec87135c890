"""``manage.py tenant_command api_token USERNAME --schema=CODE``: make a new
API token for a staff user of that municipality and print it (the previous
token stops working)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from maps.tokens import api_token_create


class Command(BaseCommand):
    help = "Make a new API token for a staff user of this municipality and print it."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if connection.schema_name == "public":
            raise CommandError(
                "run it in a municipality: tenant_command api_token USER --schema=CODE"
            )
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r} in {connection.schema_name}")
        self.stdout.write(api_token_create(user=user, actor=None))

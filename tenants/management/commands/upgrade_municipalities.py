import os

from django.core.management.base import BaseCommand, CommandError

from tenants.upgrade import municipalities_upgrade


class Command(BaseCommand):
    help = "Migrate the template and every municipality, in parallel; report per municipality."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=min(4, os.cpu_count() or 1))

    def handle(self, *args, **options):
        results = municipalities_upgrade(processes=options["processes"])
        failed = 0
        for r in results:
            state = "ok" if r.ok else "FAILED"
            self.stdout.write(
                f"{r.schema_name:<30} {state:<6} {r.applied:>3} migrations  {r.seconds:6.2f} s"
                + (f"  {r.error}" if r.error else "")
            )
            failed += not r.ok
        self.stdout.write(f"{len(results)} schemas, {failed} failed")
        if failed:
            raise CommandError(f"{failed} schema(s) failed to migrate")

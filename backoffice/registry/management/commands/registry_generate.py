from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backoffice.registry.synthetic import SCALES, GenerationRefused, city_generate


class Command(BaseCommand):
    help = (
        "Fill one municipality's registry with a synthetic city (wards, roads, drains, "
        "water, buildings, holdings, owners), the same for the same seed.  Run it per "
        "municipality: manage.py tenant_command registry_generate --scale tiny --seed 1 "
        "--schema=CODE"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="medium")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the registry's data first (in the same transaction).",
        )

    def handle(self, *args, scale, seed, replace, verbosity=1, **options):
        size = SCALES[scale]
        if verbosity:
            self.stdout.write(
                f"Generating a {scale} city ({size.buildings:,} buildings, {size.wards} wards) "
                f"in “{connection.schema_name}”, seed {seed}..."
            )

        def progress(step: str) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {step}")

        try:
            gen = city_generate(scale=size, seed=seed, replace=replace, progress=progress)
        except GenerationRefused as exc:
            raise CommandError(str(exc)) from exc
        if not verbosity:
            return
        for note in gen.notes:
            self.stdout.write(f"  {note}")
        for label, count in gen.counts.items():
            self.stdout.write(f"  {label:<28} {count:>9,}")
        timings = ", ".join(
            f"{name} {s:.1f} s" for name, s in gen.seconds.items() if name != "total"
        )
        self.stdout.write(f"  steps: {timings}")
        self.stdout.write(self.style.SUCCESS(f"Done in {gen.seconds['total']:.1f} s."))

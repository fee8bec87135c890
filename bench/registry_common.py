"""What the registry import and export benchmarks share: a database of
their own with one municipality, 31 wards and a Khulna-scale GeoPackage
of 156,052 building footprints made with SQL (generate_series), so they
depend on no other generator.  Everything is dropped at the end."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import harness
from bench.harness import say, stopwatch

BUILDINGS = 156_052
WARDS = 31
WARD_COLUMNS = 6
WARD_SIZE = 0.02  # degrees (about 2 km)
ORIGIN = (89.50, 22.76)
CODE = "benchreg"
HOST = "benchreg.localhost"
PASSWORD = "bench-Registry-Passw0rd"


class Stack:
    """Own database (``db``), own Redis database, own private-media folder."""

    def __init__(self, db: str, redis_db: int):
        harness.stack_env_apply()
        if os.environ["IMIS_DB_NAME"] == db:
            raise RuntimeError(f"IMIS_DB_NAME is already {db}: refusing to drop the database")
        self.db = db
        self.tmp = Path(tempfile.mkdtemp(prefix=f"imis-{db}-"))
        self.redis = os.environ["IMIS_REDIS_URL"].rsplit("/", 1)[0] + f"/{redis_db}"
        os.environ.update(
            DJANGO_SETTINGS_MODULE="portal.settings.base",
            IMIS_DB_NAME=db,
            IMIS_CACHE_URL=self.redis,
            IMIS_CELERY_BROKER_URL=self.redis,
            IMIS_CELERY_RESULT_URL=self.redis,
            IMIS_LOG_LEVEL="WARNING",
            IMIS_PRIVATE_MEDIA_ROOT=str(self.tmp / "private"),
            # Tasks run in this process: a worker of the local stack serves
            # another database and must never receive ours.
            IMIS_CELERY_EAGER="1",
        )

    def __enter__(self) -> "Stack":
        harness.database_drop(self.db)  # what a killed earlier run left
        harness.database_create(self.db)
        import django

        django.setup()
        from django.conf import settings

        if settings.DATABASES["default"]["NAME"] != self.db:
            raise RuntimeError("not connected to the bench database: stopping")
        return self

    def __exit__(self, *exc) -> None:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        harness.database_drop(self.db)
        import redis

        redis.Redis.from_url(self.redis).flushdb()
        shutil.rmtree(self.tmp, ignore_errors=True)
        say(f"dropped the {self.db} database, its files and Redis {self.redis.rsplit('/', 1)[1]}")


def municipality_make():
    """One municipality (cloned from the template), a GIS officer, 31 wards."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from tenants.services import municipality_create, platform_ensure, template_ensure

    with stopwatch() as took:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        platform_ensure(console_hosts=settings.IMIS_CONSOLE_HOSTS)
        template_ensure()
        municipality = municipality_create(
            actor=None,
            code=CODE,
            name_en="Bench City Corporation",
            name_bn="বেঞ্চ সিটি কর্পোরেশন",
            kind="city_corporation",
            domains=[HOST],
            admin_username="municipal_admin",
            admin_email="admin@bench.example.org",
            admin_password=PASSWORD,
        )
    say(f"municipality {CODE} ready in {took[0]:.1f} s")
    connection.set_tenant(municipality)
    user = get_user_model().objects.create_user("gis_officer", password=PASSWORD)
    user.groups.add(Group.objects.get(name="gis_officer"))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_ward (number, name_en, name_bn, boundary)"
            " SELECT n, 'Ward ' || n, 'ওয়ার্ড ' || n, ST_Multi(ST_MakeEnvelope("
            "  %(x)s + ((n - 1) %% %(cols)s) * %(size)s, %(y)s + ((n - 1) / %(cols)s) * %(size)s,"
            "  %(x)s + ((n - 1) %% %(cols)s + 1) * %(size)s,"
            "  %(y)s + ((n - 1) / %(cols)s + 1) * %(size)s, 4326))"
            " FROM generate_series(1, %(wards)s) n",
            {
                "x": ORIGIN[0],
                "y": ORIGIN[1],
                "cols": WARD_COLUMNS,
                "size": WARD_SIZE,
                "wards": WARDS,
            },
        )
    return municipality, user


def buildings_gpkg(path: Path) -> Path:
    """156,052 footprints (one in 200 a self-crossing 'bow tie' that the
    importer repairs), Bangla house names, no BINs: written by ogr2ogr from
    a scratch table of the current schema, which is dropped again."""
    from django.db import connection

    from backoffice.registry.importing.ogr import ogr2ogr, pg_conninfo

    per_ward = -(-BUILDINGS // WARDS)
    side = int(per_ward**0.5) + 1
    cell = WARD_SIZE / (side + 1)
    size = cell * 0.6
    schema = connection.schema_name
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_buildings_src")
        cursor.execute(
            "CREATE TABLE bench_buildings_src AS"
            " SELECT g AS id, x0, y0, w,"
            " CASE WHEN g %% 200 = 0 THEN ST_Multi(ST_GeomFromText(format("
            "   'POLYGON((%%s %%s, %%s %%s, %%s %%s, %%s %%s, %%s %%s))',"
            "   x0, y0, x0 + %(s)s, y0 + %(s)s, x0 + %(s)s, y0, x0, y0 + %(s)s, x0, y0), 4326))"
            " ELSE ST_Multi(ST_MakeEnvelope(x0, y0, x0 + %(s)s, y0 + %(s)s, 4326)) END AS geom,"
            " (ARRAY['pucca','semi_pucca','tin_shed','kutcha'])[1 + g %% 4] AS structure,"
            " (ARRAY['residential','residential','commercial','mixed','education'])[1 + g %% 5]"
            "   AS use,"
            " 1 + g %% 6 AS floors, g %% 5 AS households, g %% 23 AS population,"
            " 'বাড়ি ' || g AS house_no, (g %% 9 = 0)::int AS low_income"
            " FROM (SELECT g, w,"
            "  %(x)s + ((w - 1) %% %(cols)s) * %(ward)s + %(cell)s * (1 + (k %% %(side)s)) AS x0,"
            "  %(y)s + ((w - 1) / %(cols)s) * %(ward)s + %(cell)s * (1 + (k / %(side)s)) AS y0"
            "  FROM (SELECT g, 1 + (g - 1) / %(per)s AS w, (g - 1) %% %(per)s AS k"
            "   FROM generate_series(1, %(n)s) g) a) b",
            {
                "s": size,
                "x": ORIGIN[0],
                "y": ORIGIN[1],
                "cols": WARD_COLUMNS,
                "ward": WARD_SIZE,
                "cell": cell,
                "side": side,
                "per": per_ward,
                "n": BUILDINGS,
            },
        )
    datasource, env = pg_conninfo()
    try:
        ogr2ogr(
            [
                "-f",
                "GPKG",
                str(path),
                datasource,
                "-oo",
                f"ACTIVE_SCHEMA={schema}",
                "-oo",
                f"SCHEMAS={schema}",
                "-sql",
                "SELECT house_no, floors, structure, use, households, population, low_income,"
                " geom FROM bench_buildings_src ORDER BY id",
                "-nln",
                "buildings",
                "-nlt",
                "MULTIPOLYGON",
                "-a_srs",
                "EPSG:4326",
            ],  # fmt: skip
            env=env,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_buildings_src")
    return path


def registry_empty() -> None:
    """Back to no buildings (between timed imports)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            # CASCADE: later modules (FSM containments...) refer to buildings;
            # the bench's municipality has none of their rows.
            "TRUNCATE registry_buildingholding, registry_building, registry_changerecord CASCADE"
        )
        cursor.execute("ALTER SEQUENCE registry_bin_seq RESTART")
        cursor.execute("VACUUM ANALYZE registry_building")


def ogr2ogr_timed(args: list[str]) -> float:
    from backoffice.registry.importing.ogr import pg_conninfo

    datasource, env = pg_conninfo()
    argv = ["ogr2ogr", *[datasource if a == "{PG}" else a for a in args]]
    with stopwatch() as took:
        subprocess.run(argv, env=env, check=True, capture_output=True)
    return took[0]

"""Vector tiles of the buildings layer at Khulna scale.

The city: ``city_generate(scale="khulna")`` in a freshly provisioned
municipality (156,052 buildings).  A fixed set of 200 tiles, 40 at each of
z13 to z17, each around a building picked by a fixed stride (deterministic).

Measured: ``GET /tiles/buildings/Z/X/Y.mvt`` on the municipality's host
through the whole stack (Django test client: tenant middleware, session,
role check, layer and attribute choice, the SQL, the response), signed in
as a viewer.
- Cache off (``IMIS_TILE_CACHE_SECONDS = 0``) against the baseline, same run:
  the very same ``ST_AsMVT`` statement and parameters (``maps.tiles``) run
  directly on a plain psycopg connection, alternating tile by tile; both
  with JIT off (the endpoint sets it for its statement).
  Target: p50 ratio <= 1.3.
- Cache on (every tile requested once before): the p50 of the endpoint with
  the cache off divided by the p50 with it on.  Target: >= 20x.

Everything happens in a database of its own (``imis_bench_tiles``) with
Redis database 22; both are dropped at the end."""

import time

from bench import harness
from bench.harness import Figure, median, percentile, report, say, stopwatch

NAME = "map_tiles"
TIMEOUT_SECONDS = 20 * 60
NOT_MAPPED = ("backoffice.billing.",)  # synthetic steps whose rows no figure here reads
BENCH_DB = "imis_bench_tiles"
BENCH_REDIS_DB = 22
CODE = "benchtiles"
HOST = "benchtiles.localhost"
PASSWORD = "bench-Tiles-Passw0rd"
LAYER = "buildings"
ZOOMS = (13, 14, 15, 16, 17)
PER_ZOOM = 40
ROUNDS = 3  # passes over the 200 tiles; each tile's median counts
TARGET_RATIO = 1.3
TARGET_SPEEDUP = 20.0


def run() -> None:
    harness.in_own_database(BENCH_DB, BENCH_REDIS_DB, _measure)


def _prepare():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from backoffice.registry.synthetic import city_generate
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
            admin_email="admin@benchtiles.example.org",
            admin_password=PASSWORD,
        )
    say(f"municipality {CODE} ready in {took[0]:.1f} s")
    connection.set_tenant(municipality)
    user = get_user_model().objects.create_user("viewer", password=PASSWORD)
    user.groups.add(Group.objects.get(name="viewer"))
    with stopwatch() as took:
        # The registry and FSM the map reads; not a year of bill runs (the
        # billing step: minutes, and no map figure here reads bills).
        steps = [s for s in settings.IMIS_SYNTHETIC_STEPS if not s.startswith(NOT_MAPPED)]
        with override_settings(IMIS_SYNTHETIC_STEPS=steps):
            gen = city_generate(scale="khulna", seed=1)
    say(f"Khulna-scale city in {took[0]:.1f} s: {sum(gen.counts.values()):,} rows")
    return municipality, user


def _tiles() -> list[tuple[int, int, int]]:
    """40 tiles per zoom, each holding a building picked by a fixed stride."""
    from django.db import connection

    tiles = []
    with connection.cursor() as cursor:
        for z in ZOOMS:
            cursor.execute(
                "WITH picked AS (SELECT ST_Transform(ST_PointOnSurface(footprint), 3857) AS p,"
                " row_number() OVER (ORDER BY id) AS n FROM registry_building)"
                " SELECT floor((ST_X(p) + 20037508.342789244) / (40075016.68557849 / 2 ^ %(z)s)),"
                " floor((20037508.342789244 - ST_Y(p)) / (40075016.68557849 / 2 ^ %(z)s))"
                " FROM picked WHERE n %% %(stride)s = 1 ORDER BY n LIMIT %(count)s",
                {"z": z, "stride": 3011 + z, "count": PER_ZOOM},
            )
            tiles += [(z, int(x), int(y)) for x, y in cursor.fetchall()]
    if len(tiles) != len(ZOOMS) * PER_ZOOM:
        raise RuntimeError(f"only {len(tiles)} tiles picked")
    return tiles


def _raw(municipality):
    """A plain psycopg connection on the municipality's schema (no Django)."""
    conn = harness.admin_connect(BENCH_DB)
    conn.prepare_threshold = None  # as Django's client-side binding runs it
    conn.execute(f'SET search_path = "{municipality.schema_name}", public')
    conn.execute("SET jit = off")  # as the endpoint runs it (maps.tiles.tile_render)
    return conn


def _fetch(client, tile) -> tuple[float, int]:
    from django.db import connection

    connection.set_schema_to_public()  # as a request starts
    started = time.perf_counter()
    response = client.get(f"/tiles/{LAYER}/{tile[0]}/{tile[1]}/{tile[2]}.mvt")
    seconds = time.perf_counter() - started
    if response.status_code not in (200, 204):
        raise RuntimeError(f"tile {tile} answered {response.status_code}")
    return seconds, len(response.content)


def _direct(raw, statements, tile) -> tuple[float, int]:
    query, params = statements[tile]
    started = time.perf_counter()
    row = raw.execute(query, params).fetchone()
    seconds = time.perf_counter() - started
    return seconds, len(row[0] or b"")


def _measure() -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from maps import registry, tiles

    municipality, user = _prepare()
    tile_set = _tiles()
    layer = registry.layer_get(LAYER)
    statements = {}
    for tile in tile_set:
        attributes = registry.tile_attributes(layer, user, tile[0])
        statements[tile] = tiles.tile_statement(layer, attributes, *tile)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)  # the session is stored in the municipality's schema
    connection.set_schema_to_public()
    raw = _raw(municipality)

    settings.IMIS_TILE_CACHE_SECONDS = 0
    sizes = {}
    for tile in tile_set:  # warm-up: both paths once, and the sizes must agree
        ours_size = _fetch(client, tile)[1]
        base_size = _direct(raw, statements, tile)[1]
        # Same rows; ST_AsMVT's value dictionary may come out in another order.
        if abs(ours_size - base_size) > max(64, base_size // 200):
            raise RuntimeError(f"tile {tile}: endpoint {ours_size} bytes, direct {base_size}")
        sizes[tile] = base_size
    by_zoom = {
        z: (
            sum(1 for t in tile_set if t[0] == z and sizes[t]),
            median([sizes[t] for t in tile_set if t[0] == z]),
        )
        for z in ZOOMS
    }
    say(
        "tiles with features / median bytes: "
        + ", ".join(f"z{z} {n}/{PER_ZOOM} {int(b):,}" for z, (n, b) in by_zoom.items())
    )
    ours: dict = {t: [] for t in tile_set}
    base: dict = {t: [] for t in tile_set}
    for _ in range(ROUNDS):
        for tile in tile_set:
            base[tile].append(_direct(raw, statements, tile)[0])
            ours[tile].append(_fetch(client, tile)[0])
    ours_ms = [median(v) * 1000 for v in ours.values()]
    base_ms = [median(v) * 1000 for v in base.values()]
    for z in ZOOMS:
        o = median([median(ours[t]) * 1000 for t in tile_set if t[0] == z])
        b = median([median(base[t]) * 1000 for t in tile_set if t[0] == z])
        say(f"z{z}: endpoint p50 {o:.2f} ms, direct SQL p50 {b:.2f} ms")
    p50_off = median(ours_ms)
    report(
        Figure(NAME, "tile p50, cache off (200 tiles z13-17)", p50_off, "ms", median(base_ms),
               "same ST_AsMVT SQL run directly", TARGET_RATIO, "ratio", "lower")
    )  # fmt: skip
    report(
        Figure(NAME, "tile p95, cache off", percentile(ours_ms, 95), "ms",
               percentile(base_ms, 95), "same SQL run directly", None, "ratio", "lower")
    )  # fmt: skip

    settings.IMIS_TILE_CACHE_SECONDS = 3600
    for tile in tile_set:  # fill the cache
        _fetch(client, tile)
    cached: dict = {t: [] for t in tile_set}
    for _ in range(ROUNDS):
        for tile in tile_set:
            cached[tile].append(_fetch(client, tile)[0])
    p50_on = median([median(v) * 1000 for v in cached.values()])
    say(f"cache on: p50 {p50_on:.2f} ms")
    report(
        Figure(NAME, "tile p50 speed-up, cache on vs off", p50_off / p50_on, "x", None, "",
               TARGET_SPEEDUP, "value", "higher",
               note=f"cache on p50 {p50_on:.2f} ms, off {p50_off:.2f} ms")
    )  # fmt: skip
    raw.close()
    connection.set_schema_to_public()

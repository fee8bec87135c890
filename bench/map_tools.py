"""The map's spatial tools at Khulna scale: buffer, summarise and export of
a tool result, through our endpoints against raw PostGIS.

The city: ``city_generate(scale="khulna")`` in a freshly provisioned
municipality (156,052 buildings, 67,330 containments, roads, waterbodies).

Measured: ``POST /staff/map/api/select/`` (buffer), ``/summary/`` and
``/export/<fmt>/`` through the whole stack (Django test client on the
municipality's host: tenant middleware, session, role check, the layer
registry, the one statement, JSON or the file).  An export follows the
tool's result, as on the page, and reuses the count it showed; an export of
a selection not shown first (it counts its rows again) is reported for
information.

Baselines, same run: hand-written PostGIS queries on a plain psycopg
connection giving the same answer (buffer: the count, the ids of the first
page and the GeoJSON of the highlighted features, and the outline; summary:
the GROUP BY; buildings by ward also count their holdings through the link
table, per ward), and ``ogr2ogr`` of the same selection straight from the
database (export).  Both sides run with JIT off, as the endpoints do: the
PostGIS set-returning functions make the planner expect millions of rows
and JIT then compiles for about a second (measured here) to save nothing;
both pass the subdivided pieces through an array for the same reason
(see maps/tools/selection.py).
Alternating rounds; medians (tools), means (exports).

Targets: buffer and summarise within 1.3 times the raw query; the export
within 1.5 times ogr2ogr.  Database ``imis_bench_maptools`` and Redis
database 24, both dropped at the end."""

import subprocess
import tempfile
import time
from pathlib import Path

from bench import harness
from bench.harness import Figure, mean, median, report, say, stopwatch

NAME = "map_tools"
TIMEOUT_SECONDS = 20 * 60
NOT_MAPPED = ("backoffice.billing.",)  # synthetic steps whose rows no figure here reads
BENCH_DB = "imis_bench_maptools"
BENCH_REDIS_DB = 24
CODE = "benchmap"
HOST = "benchmap.localhost"
PASSWORD = "bench-Map-Passw0rd"
ROUNDS = 15
WARMUP = 2
EXPORT_ROUNDS = 3
TOOL_TARGET = 1.3
EXPORT_TARGET = 1.5

# --- the raw PostGIS, written by hand ---------------------------------------------

WATER_AREA = """
area AS MATERIALIZED (SELECT unnest(ARRAY(SELECT ST_Subdivide(ST_Transform(ST_Buffer(
  ST_Transform(w.area, 32645), %(d)s, 'quad_segs=16'), 4326), 64)
  FROM registry_waterbody w)) AS g)"""
ROAD_AREA = """
area AS MATERIALIZED (SELECT unnest(ARRAY(SELECT ST_Subdivide(ST_Transform(ST_Buffer(
  ST_Transform(r.line, 32645), %(d)s, 'quad_segs=16'), 4326), 64) FROM registry_road r
  WHERE r.id = %(road)s)) AS g)"""
CONTAINMENT_HITS = """
hits AS MATERIALIZED (SELECT DISTINCT c.id FROM area JOIN fsm_containment c
  ON ST_Intersects(area.g, c.location))"""
BUILDING_HITS = """
hits AS MATERIALIZED (SELECT DISTINCT b.id FROM area JOIN registry_building b
  ON ST_Intersects(area.g, b.footprint) WHERE b.status <> 'demolished')"""
RESULT = """
SELECT (SELECT count(*) FROM hits),
 (SELECT ST_Extent(x.{geom}) FROM hits JOIN {table} x ON x.id = hits.id),
 (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM hits ORDER BY id LIMIT 50) p),
 (SELECT json_agg(json_build_object('type', 'Feature', 'id', x.id,
   'geometry', ST_AsGeoJSON(x.{geom}, 6)::json))
  FROM (SELECT id FROM hits ORDER BY id LIMIT 2000) h JOIN {table} x ON x.id = h.id),
 (SELECT ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Union(ST_Buffer(
   ST_Transform(s.{source_geom}, 32645), %(d)s, 'quad_segs=4')), 1), 4326), 6)
  FROM {source_table} s {source_where})"""
# Buildings, households, population and holdings (links counted per ward).
SUMMARY_WARD = """
WITH b AS (SELECT ward_id, count(*) AS n, sum(households) AS hh, sum(population) AS pop
  FROM registry_building WHERE status <> 'demolished' GROUP BY ward_id),
h AS (SELECT b.ward_id, count(*) AS n FROM registry_buildingholding bh
  JOIN registry_building b ON b.id = bh.building_id WHERE b.status <> 'demolished'
  GROUP BY b.ward_id)
SELECT w.number, b.n, b.hh, b.pop, COALESCE(h.n, 0) FROM b JOIN registry_ward w ON w.id = b.ward_id
LEFT JOIN h ON h.ward_id = b.ward_id ORDER BY w.number"""
SUMMARY_AREA = """
WITH area AS MATERIALIZED (SELECT unnest(ARRAY(SELECT ST_Subdivide(
  ST_GeomFromGeoJSON(%(area)s), 64))) AS g),
hits AS MATERIALIZED (SELECT DISTINCT c.id FROM area JOIN fsm_containment c
  ON ST_Intersects(area.g, c.location))
SELECT t.code, count(*), sum(c.households_served), sum(c.population_served),
  sum(c.volume_m3) FROM hits JOIN fsm_containment c ON c.id = hits.id
JOIN fsm_containmenttype t ON t.id = c.containment_type_id GROUP BY t.code ORDER BY t.code"""


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
            name_en="Bench Map City Corporation",
            name_bn="বেঞ্চ ম্যাপ সিটি কর্পোরেশন",
            kind="city_corporation",
            domains=[HOST],
            admin_username="municipal_admin",
            admin_email="admin@benchmap.example.org",
            admin_password=PASSWORD,
        )
    say(f"municipality {CODE} ready in {took[0]:.1f} s")
    connection.set_tenant(municipality)
    user = get_user_model().objects.create_user("gis_officer", password=PASSWORD)
    user.groups.add(Group.objects.get(name="gis_officer"))
    with stopwatch() as took:
        # The registry and FSM the map reads; not a year of bill runs (the
        # billing step: minutes, and no map figure here reads bills).
        steps = [s for s in settings.IMIS_SYNTHETIC_STEPS if not s.startswith(NOT_MAPPED)]
        with override_settings(IMIS_SYNTHETIC_STEPS=steps):
            gen = city_generate(scale="khulna", seed=1)
    say(
        f"Khulna-scale city in {took[0]:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in gen.counts.items())
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT id FROM registry_road WHERE road_class = 'main'"
            " ORDER BY ST_Length(line) DESC LIMIT 1"
        )
        road = cursor.fetchone()[0]
        cursor.execute(
            "SELECT ST_AsGeoJSON(ST_Expand(ST_Centroid(ST_Extent(boundary)), 0.01))"
            " FROM registry_ward"
        )
        area = cursor.fetchone()[0]
    return municipality, user, road, area


def _raw(municipality):
    conn = harness.admin_connect(BENCH_DB)
    conn.prepare_threshold = None
    conn.execute(f'SET search_path = "{municipality.schema_name}", public')
    conn.execute("SET jit = off")  # as the endpoints run (maps.tools.selection.jit_off)
    return conn


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _alternate(ours, baseline, rounds=ROUNDS, warmup=WARMUP):
    for _ in range(warmup):
        ours()
        baseline()
    a, b = [], []
    for _ in range(rounds):
        b.append(_timed(baseline))
        a.append(_timed(ours))
    return a, b


def _post(client, path: str, data: dict, expect: int = 200):
    from django.db import connection

    connection.set_schema_to_public()  # as a request starts
    response = client.post(path, data)
    if response.status_code != expect:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:300]}")
    return response


def _get(client, path: str, data: dict):
    from django.db import connection

    connection.set_schema_to_public()
    response = client.get(path, data)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return response


def connection_tenant(municipality) -> None:
    from django.db import connection

    connection.set_tenant(municipality)


def _measure() -> None:
    from django.test import Client

    municipality, user, road, area = _prepare()
    conn = _raw(municipality)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)

    cases = [
        (
            "buffer: containments within 30 m of all waterbodies",
            "/staff/map/api/select/",
            {"layer": "containments", "buffer_m": "30", "source": "waterbodies"},
            "WITH" + WATER_AREA + "," + CONTAINMENT_HITS + RESULT.format(
                geom="location", table="fsm_containment", source_geom="area",
                source_table="registry_waterbody", source_where="",
            ),
            {"d": 30},
            "count",
        ),
        (
            "buffer: buildings within 50 m of a main road",
            "/staff/map/api/select/",
            {"layer": "buildings", "buffer_m": "50", "source": "roads", "source_id": str(road)},
            "WITH" + ROAD_AREA + "," + BUILDING_HITS + RESULT.format(
                geom="footprint", table="registry_building", source_geom="line",
                source_table="registry_road", source_where="WHERE s.id = %(road)s",
            ),
            {"d": 50, "road": road},
            "count",
        ),
        (
            "summarise: buildings by ward",
            "/staff/map/api/summary/",
            {"layer": "buildings", "group": "ward"},
            SUMMARY_WARD,
            {},
            "rows",
        ),
        (
            "summarise: containments by type in a polygon",
            "/staff/map/api/summary/",
            {"layer": "containments", "group": "area", "within": area, "by": "type"},
            SUMMARY_AREA,
            {"area": area},
            "rows",
        ),
    ]  # fmt: skip
    for label, path, data, raw_sql, params, key in cases:
        response = _post(client, path, data).json()
        raw = conn.execute(raw_sql, params).fetchall()
        if key == "count":
            if response["count"] != raw[0][0]:
                raise RuntimeError(f"{label}: endpoint {response['count']} != raw {raw[0][0]}")
            say(f"{label}: {response['count']:,} features")
        elif len(response["rows"]) != len(raw):
            raise RuntimeError(f"{label}: endpoint {len(response['rows'])} rows != raw {len(raw)}")
        elif "holding_count" in response["total"]:
            holdings = sum(row[-1] for row in raw)
            if response["total"]["holding_count"] != holdings:
                raise RuntimeError(f"{label}: holdings {response['total']} != raw {holdings}")
            say(f"{label}: {response['total']['holding_count']:,} holdings")
        ours, base = _alternate(
            lambda path=path, data=data: _post(client, path, data),
            lambda raw_sql=raw_sql, params=params: conn.execute(raw_sql, params).fetchall(),
        )
        report(
            Figure(NAME, label, median(ours) * 1000, "ms", median(base) * 1000,
                   "hand-written PostGIS, psycopg", TOOL_TARGET, "ratio", "lower")
        )  # fmt: skip

    # Find (autocomplete), for information: a BIN prefix, a holding code, an owner's name.
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    connection_tenant(municipality)
    chief = get_user_model().objects.create_user("revenue_chief", password=PASSWORD)
    chief.groups.add(Group.objects.get(name="revenue_chief"))
    sample = conn.execute(
        "SELECT b.bin, h.code, o.name_en FROM registry_building b"
        " JOIN registry_buildingholding bh ON bh.building_id = b.id"
        " JOIN registry_holding h ON h.id = bh.holding_id"
        " JOIN registry_holdingowner ho ON ho.holding_id = h.id"
        " JOIN registry_owner o ON o.id = ho.owner_id ORDER BY b.id LIMIT 1 OFFSET 5000"
    ).fetchone()
    chief_client = Client(HTTP_HOST=HOST)
    chief_client.force_login(chief)
    for label, who, text in (
        ("find: BIN prefix", client, sample[0][:-2]),
        ("find: holding code", client, sample[1]),
        ("find: owner name (revenue chief)", chief_client, sample[2]),
    ):
        times = []
        for _ in range(5):
            with stopwatch() as took:
                found = _get(who, "/staff/map/api/find/", {"q": text}).json()["results"]
            times.append(took[0])
        say(f"{label} {text!r}: {len(found)} found")
        report(Figure(NAME, label, median(times) * 1000, "ms", note="information"))

    # Export of a tool result: the buffer above, as GeoPackage and zipped Shapefile.
    data = {"layer": "containments", "buffer_m": "30", "source": "waterbodies"}
    from django.db import connection

    from maps.exports.services import export_query
    from maps.tools.selection import selection_from_params

    connection.set_tenant(municipality)
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(data)
    selection = selection_from_params(query, user=user, tenant=municipality)
    text = export_query(selection, user=user, wkt=False).text
    connection.set_schema_to_public()
    for label, fmt, driver in (
        ("GeoPackage", "gpkg", "GPKG"),
        ("Shapefile", "shp", "ESRI Shapefile"),
    ):
        ours, base = [], []
        for number in range(1, EXPORT_ROUNDS + 1):
            with tempfile.TemporaryDirectory(prefix="imis-bench-maptools-") as tmp:
                base.append(_ogr2ogr(municipality, text, driver, Path(tmp), fmt))
            # As on the page: the tool ran (untimed), then its result is exported.
            _post(client, "/staff/map/api/select/", data)
            ours.append(_export(client, fmt, data)[0])
            size = _export.last_size
            say(
                f"{label} round {number}: ogr2ogr {base[-1]:.3f} s,"
                f" ours {ours[-1]:.3f} s ({size:,} bytes)"
            )
        _count_forget(municipality, selection, user)
        cold = _export(client, fmt, data)[0]  # not shown first: its rows are counted
        report(
            Figure(NAME, f"export, {label}, tool not run first", cold, "s", mean(base),
                   "ogr2ogr from PostgreSQL", note="information")
        )  # fmt: skip
        report(
            Figure(NAME, f"export buffer result, {label}", mean(ours), "s", mean(base),
                   "ogr2ogr from PostgreSQL" + (", not zipped" if fmt == "shp" else ""),
                   EXPORT_TARGET, "ratio", "lower")
        )  # fmt: skip
    conn.close()


def _count_forget(municipality, selection, user) -> None:
    from django.core.cache import cache
    from django.db import connection

    from maps.tools.results import _count_key

    connection.set_tenant(municipality)  # the cache key carries the schema
    try:
        cache.delete(_count_key(selection, user))
    finally:
        connection.set_schema_to_public()


def _export(client, fmt: str, data: dict) -> tuple[float, int]:
    with stopwatch() as took:
        response = _post(client, f"/staff/map/api/export/{fmt}/", data)
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
    _export.last_size = size
    return took[0], size


def _ogr2ogr(municipality, text: str, driver: str, tmp: Path, fmt: str) -> float:
    from django.db import connection

    from maps.exports.ogr import pg_datasource

    connection.set_tenant(municipality)
    try:
        datasource, env = pg_datasource()
    finally:
        connection.set_schema_to_public()
    out = tmp / ("c.gpkg" if fmt == "gpkg" else "c/c.shp")
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = ["ogr2ogr", "-f", driver, str(out), datasource, "-sql", text, "-nln", "containments",
            "-nlt", "POINT", "-a_srs", "EPSG:4326"]  # fmt: skip
    if fmt == "shp":
        argv += ["-lco", "ENCODING=UTF-8"]
    with stopwatch() as took:
        subprocess.run(argv, env=env, check=True, capture_output=True)
    return took[0]

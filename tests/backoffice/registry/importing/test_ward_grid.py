"""The wards' grid gives every point the ward the plain lookup gives: the
lowest id of the wards whose boundary the point intersects, on boundaries,
shared corners, cell edges and outside too; overlapping or untestable
wards mean no grid.  Two municipalities: one's grid never holds the
other's wards."""

import pytest
from django.db import connection
from psycopg import sql

from backoffice.registry.importing.ward_grid import (
    cell_join_sql,
    point_ward_sql,
    ward_grid_build,
)
from backoffice.registry.models import Ward

pytestmark = pytest.mark.django_db

GRID = "registry_import_grid_test"

# Irregular wards sharing edges: a star-ish ward, a ward with a hole
# (filled by a third ward), and a thin diagonal strip.
WARDS = {
    1: "MULTIPOLYGON(((89.50 22.80, 89.53 22.80, 89.535 22.815, 89.53 22.83, 89.50 22.83,"
    " 89.505 22.815, 89.50 22.80)))",
    2: "MULTIPOLYGON(((89.53 22.80, 89.56 22.80, 89.56 22.83, 89.53 22.83, 89.535 22.815,"
    " 89.53 22.80), (89.54 22.81, 89.55 22.81, 89.55 22.82, 89.54 22.82, 89.54 22.81)))",
    3: "MULTIPOLYGON(((89.54 22.81, 89.55 22.81, 89.55 22.82, 89.54 22.82, 89.54 22.81)))",
    4: "MULTIPOLYGON(((89.50 22.83, 89.56 22.83, 89.56 22.8312, 89.50 22.8312, 89.50 22.83)))",
}


def _wards(shapes: dict[int, str]) -> None:
    for number, wkt in shapes.items():
        Ward.objects.create(
            number=number, name_en=f"Ward {number}", name_bn=f"ওয়ার্ড {number}", boundary=wkt
        )


def _disagreements(size: float) -> list[tuple]:
    """Points (a dense lattice, every ward vertex, points on the edges)
    whose grid answer differs from the plain lookup's."""
    schema = connection.schema_name
    point = sql.SQL("p.pt")
    query = sql.SQL(
        "WITH pts AS ("
        " SELECT ST_SetSRID(ST_MakePoint(89.495 + x * 0.00037, 22.795 + y * 0.00041), 4326) pt"
        "  FROM generate_series(0, 190) x, generate_series(0, 100) y"
        " UNION ALL SELECT (ST_DumpPoints(boundary)).geom FROM {w}"
        " UNION ALL SELECT ST_LineInterpolatePoint(ST_ExteriorRing((ST_Dump(boundary)).geom), f)"
        "  FROM {w}, generate_series(0, 50) k, LATERAL (SELECT k / 50.0 AS f) f)"
        " SELECT ST_AsText(p.pt), grid.ward_id, {plain} FROM pts p {join}"
        " WHERE COALESCE(grid.ward_id, {plain}) IS DISTINCT FROM {plain}"
    ).format(
        w=sql.Identifier(schema, "registry_ward"),
        plain=point_ward_sql(schema=schema, point=point),
        join=cell_join_sql(schema=schema, table=GRID, size=size, point=point),
    )
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection))
        return cursor.fetchall()


def _grid_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}")
            .format(sql.Identifier(connection.schema_name, GRID))
            .as_string(connection.connection)
        )
        return cursor.fetchone()[0]


def test_the_grid_agrees_with_the_lookup_everywhere(tenant_a, tenant_b):
    connection.set_tenant(tenant_b)
    _wards({9: WARDS[1]})  # the other municipality: never in tenant_a's grid
    connection.set_tenant(tenant_a)
    _wards(WARDS)
    size = ward_grid_build(schema=connection.schema_name, table=GRID)
    assert size
    assert _grid_rows() > 1000  # most points are answered by the grid
    assert _disagreements(size) == []
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT DISTINCT ward_id FROM {}")
            .format(sql.Identifier(connection.schema_name, GRID))
            .as_string(connection.connection)
        )
        in_grid = {row[0] for row in cursor.fetchall()}
    assert in_grid <= set(Ward.objects.values_list("id", flat=True))


def test_overlapping_wards_mean_no_grid(tenant_a):
    connection.set_tenant(tenant_a)
    _wards(
        {
            1: WARDS[1],
            2: "MULTIPOLYGON(((89.52 22.80, 89.54 22.80, 89.54 22.82, 89.52 22.82, 89.52 22.80)))",
        }
    )
    assert ward_grid_build(schema=connection.schema_name, table=GRID) is None


def test_no_wards_no_grid(tenant_a):
    connection.set_tenant(tenant_a)
    assert ward_grid_build(schema=connection.schema_name, table=GRID) is None

"""Which ward a building's point lies in, for a whole file at once.

The plain lookup, one index probe of ``registry_ward`` per building (a
correlated subquery), costs 3-4 microseconds a row in executor machinery
(0.6 of the 2 CPU-seconds the checks of 156,052 buildings took) for a
point-in-polygon test that is itself cheap; and a correlated subquery runs
only in the leader of a parallel plan.

So an import first lays a square grid over the wards and keeps, per cell,
the one ward that holds the cell *and a margin around it* in its interior
(``ST_ContainsProperly``).  A point in such a cell can only lie in that
ward, provided no two wards overlap (checked first: with overlapping wards
there is no grid and every point is looked up).  The check joins the
points' cells to the grid by hash, in the parallel workers; only points in
cells on a ward boundary (about one in seven) are looked up one by one.
The answer is the same as the plain lookup's (the lowest ward id whose
boundary the point intersects), which a test compares row by row."""

import logging

from django.db import DatabaseError, connection, transaction
from psycopg import sql

log = logging.getLogger(__name__)

# About this many cells over the wards' bounding boxes: some 40 ms to build.
CELLS = 20_000
# The margin (a fraction of the cell) absorbs rounding in floor(x / size).
MARGIN = 64
# Below this (degrees) a grid's cell numbers could overflow: no grid.
SMALLEST_CELL = 1e-7


def ward_grid_build(*, schema: str, table: str, wards: str = "registry_ward") -> float | None:
    """Create ``schema.table`` (i, j, ward_id) and return its cell size, or
    None (and no table) when there are no wards or two of them overlap
    (``wards``: the table, or a copy of its id and boundary).
    A ward GEOS cannot test (an invalid boundary drawn by hand) means no
    grid either: every point is then looked up."""
    try:
        with transaction.atomic():
            return _build(schema, table, wards)
    except DatabaseError:
        log.warning("no ward grid for this import: the wards could not be tested", exc_info=True)
        return None


def _build(schema: str, table: str, wards_table: str) -> float | None:
    wards = sql.Identifier(schema, wards_table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT sqrt(sum(ST_Area(Box2D(boundary)::geometry)) / %s),"
                " EXISTS (SELECT 1 FROM {w} a JOIN {w} b ON a.id < b.id"
                "  AND a.boundary && b.boundary AND ST_Relate(a.boundary, b.boundary, 'T********'))"
                " FROM {w}"
            )
            .format(w=wards)
            .as_string(connection.connection),
            [CELLS],
        )
        size, overlapping = cursor.fetchone()
        if not size or overlapping or size < SMALLEST_CELL:
            return None
        size = float(size)
        cursor.execute(
            sql.SQL(
                "CREATE UNLOGGED TABLE {grid} AS SELECT g.i, g.j, w.id AS ward_id"
                " FROM {w} w, ST_SquareGrid(%(size)s, w.boundary) g"
                " WHERE ST_ContainsProperly(w.boundary, ST_Expand(g.geom, %(margin)s))"
            )
            .format(grid=sql.Identifier(schema, table), w=wards)
            .as_string(connection.connection),
            {"size": size, "margin": size / MARGIN},
        )
        cursor.execute(
            sql.SQL("ANALYZE {}")
            .format(sql.Identifier(schema, table))
            .as_string(connection.connection)
        )
    return size


def cell_join_sql(*, schema: str, table: str, size: float, point: sql.Composable) -> sql.Composed:
    """``LEFT JOIN <grid> grid ON <point's cell>``: ``grid.ward_id`` is the
    point's ward when its cell is inside one, else NULL."""
    return sql.SQL(
        "LEFT JOIN {grid} grid ON grid.i = floor(ST_X({p}) / {s})::integer"
        " AND grid.j = floor(ST_Y({p}) / {s})::integer"
    ).format(grid=sql.Identifier(schema, table), p=point, s=sql.Literal(size))


def point_ward_sql(
    *, schema: str, point: sql.Composable, wards: str = "registry_ward"
) -> sql.Composed:
    """The plain lookup: the lowest id of the wards the point intersects
    (``wards``: the table, or a copy of its id and boundary)."""
    return sql.SQL("(SELECT min(w.id) FROM {w} w WHERE ST_Intersects(w.boundary, {p}))").format(
        w=sql.Identifier(schema, wards), p=point
    )

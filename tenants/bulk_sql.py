"""Two helpers for long set-based statements run batch by batch in one job
(bill runs issue ward by ward, the synthetic city in one transaction).

- :func:`fetch_without_jit`: PostgreSQL's JIT compiles a statement whose
  cost estimate passes its thresholds; for the issue statements (per-row
  lookups of earlier bills and their payments) compiling took seconds for a
  statement that runs in a tenth of one.  JIT is set off for the one
  statement and set back after it, in the caller's transaction.
- :class:`PlannerStatistics`: the planner finds rows through indexes only
  if its statistics know how large the table is.  Stale ones (a new run is
  not in them, a first run grows the table far past them, the generator
  writes in one transaction autovacuum cannot see) make it scan the table
  once per row: minutes instead of seconds at 150,000 holdings.  So the job
  analyses the table after its first batch that wrote rows and again
  whenever the table outgrew what the planner knows; a rerun analyses it
  first."""

from django.db import connection
from psycopg import sql

SLACK_ROWS = 1000


def fetch_without_jit(cursor, statement: str, params) -> list[tuple]:
    """Run ``statement`` with JIT off and return its rows."""
    cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
    jit = cursor.fetchone()[0]
    cursor.execute(statement, params)
    rows = cursor.fetchall()
    cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return rows


class PlannerStatistics:
    """Keeps the planner's row count of ``table`` (one of the current
    schema's) close to what a job writes into it batch by batch."""

    def __init__(self, table: str, *, analyse_now: bool):
        self.table = table
        self.analysed = analyse_now
        self.known = self._analyse() if analyse_now else self._known()
        self.grown = 0

    def before_batch(self) -> None:
        if self.grown and (not self.analysed or self.grown > max(self.known, 0) + SLACK_ROWS):
            self.known, self.grown, self.analysed = self._analyse(), 0, True

    def wrote(self, rows: int) -> None:
        self.grown += rows

    def _known(self) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
            return cursor.fetchone()[0]

    def _analyse(self) -> float:
        with connection.cursor() as cursor:
            statement = sql.SQL("ANALYZE {}").format(sql.Identifier(self.table))
            cursor.execute(statement.as_string(connection.connection))
        return self._known()

"""A large buildings file checked in two parts, the second while the first
is inserted.

The checks keep both cores busy; the insert that follows keeps one, the
other idles.  So the file's first part is checked (both cores), then the
import's transaction inserts it while a connection of its own checks the
second part and counts both parts (one core each), and the transaction
inserts the second part too.  The first part goes in before its verdict is
counted: if either part's verdict refuses the file, the transaction rolls
back, BIN numbers included (writers.bin_sequence_hold_sql).
Measured at 156,052 buildings on two cores: the checks alone 0.69 s (two
cores) or 1.27 s (one), the insert 0.63 s, both at once with the checks on
one core 1.29 s: the insert lost nothing.

The transaction holds the buildings, wards and roads tables (a bulk load
drops their indexes and keys), so the second part is checked against
copies of what the checks read from them, taken before either part is
checked: the wards' ids and boundaries, the roads' ids and codes, and the
registered BINs the file names.  Both parts use the same copies, so the
verdicts are the ones a single check would give.  The second part's
verdicts decide as the first's do: if it has rejected rows and the user
did not accept the valid ones, the transaction is rolled back and nothing
is imported.
"""

import logging
import math
import threading
from dataclasses import dataclass, field

import psycopg
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from psycopg import sql

from backoffice.registry.importing import checks
from backoffice.registry.importing.staging import execute, pipeline_table_names
from tenants.connections import own_connection

log = logging.getLogger(__name__)

# Below this many rows one check is as fast (the second statement and the
# copies cost some 20 ms).
PIPELINE_ROWS = 20_000
# The second part's share of the rows: checked and then counted with the
# first on one core (1.37 s for the whole file) while the first part is
# inserted (0.49 s for the whole file): the two take about as long at 0.26.
SECOND_PART_SHARE = 0.26


@dataclass
class Plan:
    first: tuple[int, int]
    second: tuple[int, int]
    tables: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)
    bin_top: int | None = None


def wanted(spec, *, features: int, workers: int) -> bool:
    """Whether a file is checked in parts: a buildings file of at least
    ``PIPELINE_ROWS`` features, on a machine with a core to spare, run
    outside any transaction (the other connection sees only what is
    committed: the wards of an enclosing transaction would be invisible)."""
    return (
        spec.kind == "buildings"
        and workers >= 1
        and features >= PIPELINE_ROWS
        and not connection.in_atomic_block
    )


def copies_make(*, schema: str, job_id: int) -> dict[str, str]:
    """Copy what the checks read from the wards and roads tables (while
    ogr2ogr stages the file); returns the job's table names."""
    tables = pipeline_table_names(job_id)
    ident = sql.Identifier
    execute(
        sql.SQL("CREATE UNLOGGED TABLE {} AS SELECT id, boundary FROM {}").format(
            ident(schema, tables["wards"]), ident(schema, "registry_ward")
        )
    )
    execute(
        sql.SQL("CREATE INDEX ON {} USING gist (boundary)").format(ident(schema, tables["wards"]))
    )
    execute(
        sql.SQL("CREATE UNLOGGED TABLE {} AS SELECT id, code FROM {}").format(
            ident(schema, tables["roads"]), ident(schema, "registry_road")
        )
    )
    for name in ("wards", "roads"):
        execute(sql.SQL("ANALYZE {}").format(ident(schema, tables[name])))
    return tables


def copies_verify(*, schema: str, plan: Plan) -> None:
    """Inside the import's transaction, which now holds the wards and roads
    tables: every ward and road of the copies still exists, so every row
    checked against them refers to one (their foreign keys are then added
    without reading the rows)."""
    ident = sql.Identifier
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT EXISTS (SELECT id FROM {wc} EXCEPT SELECT id FROM {w})"
                " OR EXISTS (SELECT id FROM {rc} EXCEPT SELECT id FROM {r})"
            )
            .format(
                wc=ident(schema, plan.tables["wards"]),
                w=ident(schema, "registry_ward"),
                rc=ident(schema, plan.tables["roads"]),
                r=ident(schema, "registry_road"),
            )
            .as_string(connection.connection)
        )
        (changed,) = cursor.fetchone()
    if changed:
        raise ValidationError(
            _(
                "Wards or roads were deleted while the file was being imported;"
                " nothing was imported. Run the import again."
            )
        )


def plan_make(
    spec, *, schema: str, stage: str, staged: dict[str, str], job_id: int, config
) -> Plan:
    """The parts of a staged file, its registered BINs and the highest BIN
    it gives (after :func:`copies_make`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT max(src_fid) FROM {}")
            .format(sql.Identifier(schema, stage))
            .as_string(connection.connection)
        )
        (rows,) = cursor.fetchone()
    rows = rows or 0
    split = rows - math.ceil(rows * SECOND_PART_SHARE)
    tables = pipeline_table_names(job_id)
    execute(
        checks.registered_keys_sql(
            spec, schema=schema, stage=stage, staged_columns=staged, table=tables["keys"]
        )
    )
    bin_top = None
    if "bin" in staged:
        execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, tables["keys"])))
        with connection.cursor() as cursor:
            cursor.execute(
                checks.file_bin_top_sql(
                    spec,
                    schema=schema,
                    stage=stage,
                    staged_columns=staged,
                    prefix=config.bin_prefix,
                    digits=config.bin_digits,
                ).as_string(connection.connection)
            )
            (bin_top,) = cursor.fetchone()
    return Plan(
        first=(1, split),
        second=(split + 1, rows),
        tables=tables,
        sources={
            "registry_ward": tables["wards"],
            "registry_road": tables["roads"],
            spec.table: tables["keys"],
        },
        bin_top=bin_top,
    )


class BackgroundCheck:
    """Statements run in a thread, on a database connection of its own
    (autocommit): the second part's checks, then the queries in ``then``
    (the parts' counts), whose rows are ``results``."""

    def __init__(self, statements: list[str], *, then: list[str] | None = None) -> None:
        self._statements, self._then = statements, list(then or [])
        self.results: list[tuple] = []  # a row per query in ``then``, once done
        self._error: BaseException | None = None
        self._connection: psycopg.Connection | None = None
        self._db = dict(connection.settings_dict)  # this thread's: the other has its own
        self._thread = threading.Thread(target=self._run, name="imis-import-check", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            with own_connection(self._db, application_name="imis-import-check") as own:
                self._connection = own
                for statement in self._statements:
                    own.execute(statement)
                self.results = [own.execute(query).fetchone() for query in self._then]
        except BaseException as exc:  # handed to the thread that waits
            self._error = exc

    def wait(self) -> None:
        """Wait for the statements; their error, if any, is raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Cancel the statements (the import failed meanwhile) and wait."""
        while self._thread.is_alive():
            if self._connection is not None:
                try:
                    self._connection.cancel()
                except psycopg.Error:  # it finished meanwhile
                    log.debug("could not cancel the background check", exc_info=True)
            self._thread.join(0.05)

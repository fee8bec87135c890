"""The one INSERT ... SELECT per kind that writes a checked file's good
rows, with one ChangeRecord (action create) per new row in the same
statement; buildings instead carry their import job and the import writes
one ChangeRecord (action import) for all of them (:func:`import_record_sql`).
Run inside the import's single transaction."""

import json
import re

from psycopg import sql

from backoffice.registry.importing.schema import KindSpec
from backoffice.registry.models import BIN_SEQUENCE

# (target column, expression over the checked row ``src``)
_FIELDS = {
    "buildings": [
        ("footprint", "src.geom"),
        ("ward_id", "src.ward_id"),
        ("road_id", "src.road_id"),
        ("house_number", "src.v_house_no"),
        ("floors", "src.v_floors"),
        ("structure_type", "src.v_structure"),
        ("use", "src.v_use"),
        ("households", "src.v_households"),
        ("population", "src.v_population"),
        ("construction_year", "src.v_built_year"),
        ("water_source", "COALESCE(src.v_water_src, '')"),
        ("sanitation_system", "COALESCE(src.v_sanitation, '')"),
        ("low_income", "src.v_low_income"),
        ("status", "src.v_status"),
    ],
    "roads": [
        ("code", "src.raw_code"),
        ("name_en", "src.v_name_en"),
        ("name_bn", "src.v_name_bn"),
        ("road_class", "src.v_class"),
        ("width_m", "src.v_width_m"),
        ("line", "src.geom"),
    ],
    "wards": [
        ("number", "src.v_number"),
        ("name_en", "src.v_name_en"),
        ("name_bn", "src.v_name_bn"),
        ("boundary", "src.geom"),
    ],
    "drains": [
        ("code", "src.raw_code"),
        ("kind", "src.v_kind"),
        ("road_id", "src.road_id"),
        ("line", "src.geom"),
    ],
    "waterbodies": [
        ("name_en", "src.v_name_en"),
        ("name_bn", "src.v_name_bn"),
        ("kind", "src.v_kind"),
        ("area", "src.geom"),
    ],
    "holdings": [
        ("code", "src.code"),
        ("ward_id", "src.ward_id"),
        ("holding_type", "src.v_type"),
        ("annual_value", "src.v_annual_val"),
        ("address", "src.v_address"),
        ("status", "src.v_status"),
    ],
}
_TIMESTAMPED = {"buildings", "holdings"}
# Kinds whose rows name the import that created them, with one history
# record for the import instead of one per row: at Khulna scale the per-row
# records cost half of the insert (0.8 of 1.7 s) and 156,052 rows of history
# that all said the same thing.
_JOB_COLUMN = {"buildings"}
# What the history names a new row by (a waterbody has no code: its kind).
_KEYS = {
    "buildings": "bin",
    "roads": "code",
    "wards": "number",
    "holdings": "code",
    "drains": "code",
    "waterbodies": "kind",
}


def _history(spec: KindSpec, job_id: int) -> sql.Composable:
    """``{"import_job": [null, id], <key>: [null, value]}``: the row was
    created by that import.  The values it was created with are in the row
    and in the job's stored file; writing every field as JSON here took as
    long as inserting the buildings themselves (2.6 s at Khulna scale)."""
    key = _KEYS[spec.kind]
    # The job's part is one constant; building it per row took half the time.
    return sql.SQL(
        "jsonb_build_object('import_job', {job}::jsonb, {key}, jsonb_build_array(NULL, new.{col}))"
    ).format(
        job=sql.Literal(f"[null, {int(job_id)}]"), key=sql.Literal(key), col=sql.Identifier(key)
    )


def insert_sql(
    spec: KindSpec,
    *,
    schema: str,
    checked: str,
    actor_id: int | None,
    actor_username: str,
    job_id: int,
    bin_prefix: str = "",
    bin_digits: int = 7,
) -> sql.Composed:
    fields = list(_FIELDS[spec.kind])
    ident = sql.Identifier
    targets = [f[0] for f in fields]
    exprs = [sql.SQL(f[1]) for f in fields]
    history = _history(spec, job_id)
    key = _KEYS[spec.kind]
    returning = {"id", key}  # what the history needs (never the geometry: 40 MB)
    src_extra = sql.SQL("")
    if spec.kind == "buildings":
        src_extra = sql.SQL(
            ", CASE WHEN c.raw_bin IS NULL THEN nextval({}::regclass) END AS n"
        ).format(_bin_sequence_name(schema))
        targets.insert(0, "bin")
        exprs.insert(
            0,
            # Zero-padded to the digits, longer numbers as they are (lpad
            # would cut them): as bin_format does.
            sql.SQL(
                "COALESCE(src.raw_bin, {p} || CASE WHEN src.n < {limit}"
                " THEN lpad(src.n::text, {d}, '0') ELSE src.n::text END)"
            ).format(
                p=sql.Literal(bin_prefix),
                d=sql.Literal(bin_digits),
                limit=sql.Literal(10**bin_digits),
            ),
        )
    if spec.kind in _TIMESTAMPED:
        targets += ["created_at", "updated_at"]
        exprs += [sql.SQL("now()"), sql.SQL("now()")]
    if spec.kind in _JOB_COLUMN:
        targets.append("import_job")
        exprs.append(sql.Literal(int(job_id)))
    links = sql.SQL("")
    if spec.kind == "holdings":
        # Link the holdings to their buildings, and say so in their history.
        links = sql.SQL(
            ", links AS (INSERT INTO {bh} (building_id, holding_id)"
            " SELECT unnest(c.building_ids), new.id FROM new JOIN {checked} c ON c.code = new.code"
            " WHERE c.building_ids IS NOT NULL RETURNING 1)"
        ).format(bh=ident(schema, "registry_buildingholding"), checked=ident(schema, checked))
        history = sql.SQL(
            "{} || CASE WHEN cardinality(c.bins) > 0 THEN jsonb_build_object('buildings',"
            " jsonb_build_array('[]'::jsonb, to_jsonb((SELECT array_agg(x ORDER BY x)"
            " FROM unnest(c.bins) x)))) ELSE '{{}}'::jsonb END"
        ).format(history)
        history_from = sql.SQL("new JOIN {checked} c ON c.code = new.code").format(
            checked=ident(schema, checked)
        )
    else:
        history_from = sql.SQL("new")
    # Only the columns the insert reads (not the file's raw text) are carried.
    used = sorted({name for _t, expr in fields for name in re.findall(r"src\.(\w+)", expr)})
    if spec.kind == "buildings":
        used.append("raw_bin")
    if spec.kind in _JOB_COLUMN:
        return sql.SQL(
            "INSERT INTO {table} ({targets}) SELECT {exprs} FROM (SELECT {used} {src_extra}"
            " FROM {checked} c WHERE cardinality(c.reasons) = 0 ORDER BY c.row_no OFFSET 0) src"
        ).format(
            table=ident(schema, spec.table),
            targets=sql.SQL(", ").join(map(ident, targets)),
            exprs=sql.SQL(", ").join(exprs),
            used=sql.SQL(", ").join(sql.SQL("c.{}").format(ident(name)) for name in used),
            src_extra=src_extra,
            checked=ident(schema, checked),
        )
    return sql.SQL(
        "WITH src AS (SELECT {used} {src_extra} FROM {checked} c"
        " WHERE cardinality(c.reasons) = 0 ORDER BY c.row_no OFFSET 0),"
        " new AS (INSERT INTO {table} ({targets}) SELECT {exprs} FROM src RETURNING {returning})"
        " {links}"
        " INSERT INTO {history_table}"
        " (model, object_id, action, changes, actor_id, actor_username, at)"
        " SELECT {model}, new.id, 'create', {history}, {actor_id}, {actor_username}, now()"
        " FROM {history_from}"
    ).format(
        used=sql.SQL(", ").join(sql.SQL("c.{}").format(ident(name)) for name in used),
        src_extra=src_extra,
        checked=ident(schema, checked),
        table=ident(schema, spec.table),
        targets=sql.SQL(", ").join(map(ident, targets)),
        exprs=sql.SQL(", ").join(exprs),
        returning=sql.SQL(", ").join(map(ident, sorted(returning))),
        links=links,
        history_table=ident(schema, "registry_changerecord"),
        model=sql.Literal(spec.model),
        history=history,
        actor_id=sql.Literal(actor_id),
        actor_username=sql.Literal(actor_username),
        history_from=history_from,
    )


def records_rows_itself(spec: KindSpec) -> bool:
    """Whether the kind's rows name their import (and the import writes one
    history record) rather than one history record each."""
    return spec.kind in _JOB_COLUMN


def import_record_sql(
    spec: KindSpec,
    *,
    schema: str,
    job_id: int,
    file_name: str,
    rows: int,
    actor_id: int | None,
    actor_username: str,
) -> sql.Composed:
    """The one history record of an import whose rows name it: object_id is
    the job, so a row's history is its own records plus its import's."""
    changes = {"import_job": [None, int(job_id)], "file": [None, file_name], "rows": [None, rows]}
    return sql.SQL(
        "INSERT INTO {history_table} (model, object_id, action, changes, actor_id,"
        " actor_username, at) VALUES ({model}, {job}, 'import', {changes}::jsonb, {actor_id},"
        " {actor_username}, now())"
    ).format(
        history_table=sql.Identifier(schema, "registry_changerecord"),
        model=sql.Literal(spec.model),
        job=sql.Literal(int(job_id)),
        changes=sql.Literal(json.dumps(changes, ensure_ascii=False)),
        actor_id=sql.Literal(actor_id),
        actor_username=sql.Literal(actor_username),
    )


def bin_top_sql(*, prefix: str) -> sql.Composed:
    """The highest BIN number kept from the file (an aggregate over the
    checked table's rows, NULL when the file gives none): part of the query
    that counts the checked rows, so the table is read once."""
    return sql.SQL(
        "max(substr(raw_bin, {start})::bigint) FILTER"
        " (WHERE cardinality(reasons) = 0 AND raw_bin IS NOT NULL)"
    ).format(start=sql.Literal(len(prefix) + 1))


def _bin_sequence_name(schema: str) -> sql.Literal:
    """The municipality's BIN sequence, as text for ``::regclass``."""
    return sql.Literal(f'"{schema}".{BIN_SEQUENCE}')


def bin_sequence_hold_sql(*, schema: str) -> sql.Composed:
    """Make the BIN sequence part of the import's transaction.  ALTER
    SEQUENCE gives it new storage in this transaction, so the numbers the
    import takes (and moving it past the file's BINs) are given back if the
    import rolls back: a rejected, failed or killed import spends none.  It
    also holds the sequence: another session's ``nextval`` (a building
    created meanwhile) waits for the commit, as its insert would wait for a
    bulk load's lock on the buildings anyway.  Run it before that lock is
    taken (a creator holding the sequence then finishes first).  The
    increment stays 1."""
    return sql.SQL("ALTER SEQUENCE {} INCREMENT BY 1").format(sql.Identifier(schema, BIN_SEQUENCE))


def bin_sequence_advance_sql(*, schema: str, top: int) -> sql.Composed:
    """Move the BIN sequence past ``top``, the highest BIN kept from the
    file, so the sequence never hands out a number that is taken (never
    backwards)."""
    return sql.SQL(
        "SELECT setval({seq_name}::regclass, {top}) FROM {seq} s WHERE {top} >= s.last_value"
    ).format(
        seq_name=_bin_sequence_name(schema),
        top=sql.Literal(int(top)),
        seq=sql.Identifier(schema, BIN_SEQUENCE),
    )


# Above this many new rows (and at least as many as the table holds), the
# table's plain indexes are dropped and built again after the insert, in
# the same transaction: one sorted build is several times faster than
# 150,000 single inserts into each index.  The table is locked against
# readers for that transaction (seconds); a failure rolls the drop back.
BULK_ROWS = 20_000


def plain_indexes(*, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes that back no constraint."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class ic ON ic.oid = i.indexrelid"
            " JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = %s AND t.relname = %s"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            " ORDER BY ic.relname",
            [schema, table],
        )
        return list(cursor.fetchall())

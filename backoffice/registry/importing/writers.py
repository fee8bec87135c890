"""The one INSERT ... SELECT per kind that writes a checked file's good
rows, with one ChangeRecord (action create) per new row in the same
statement.  Run inside the import's single transaction."""

from psycopg import sql

from backoffice.registry.importing.schema import KindSpec
from backoffice.registry.models import BIN_SEQUENCE

# (target column, expression over the checked row ``src``, history key, history expression)
_FIELDS = {
    "buildings": [
        ("footprint", "src.geom", "footprint", "ST_AsText(new.footprint)"),
        ("ward_id", "src.ward_id", "ward", "new.ward_id"),
        ("road_id", "src.road_id", "road", "new.road_id"),
        ("house_number", "src.v_house_no", "house_number", "new.house_number"),
        ("floors", "src.v_floors", "floors", "new.floors"),
        ("structure_type", "src.v_structure", "structure_type", "new.structure_type"),
        ("use", "src.v_use", "use", "new.use"),
        ("households", "src.v_households", "households", "new.households"),
        ("population", "src.v_population", "population", "new.population"),
        ("construction_year", "src.v_built_year", "construction_year", "new.construction_year"),
        ("water_source", "COALESCE(src.v_water_src, '')", "water_source", "new.water_source"),
        (
            "sanitation_system",
            "COALESCE(src.v_sanitation, '')",
            "sanitation_system",
            "new.sanitation_system",
        ),
        ("low_income", "src.v_low_income", "low_income", "new.low_income"),
        ("status", "src.v_status", "status", "new.status"),
    ],
    "roads": [
        ("code", "src.raw_code", "code", "new.code"),
        ("name_en", "src.v_name_en", "name_en", "new.name_en"),
        ("name_bn", "src.v_name_bn", "name_bn", "new.name_bn"),
        ("road_class", "src.v_class", "road_class", "new.road_class"),
        ("width_m", "src.v_width_m", "width_m", "new.width_m::text"),
        ("line", "src.geom", "line", "ST_AsText(new.line)"),
    ],
    "wards": [
        ("number", "src.v_number", "number", "new.number"),
        ("name_en", "src.v_name_en", "name_en", "new.name_en"),
        ("name_bn", "src.v_name_bn", "name_bn", "new.name_bn"),
        ("boundary", "src.geom", "boundary", "ST_AsText(new.boundary)"),
    ],
    "holdings": [
        ("code", "src.code", "code", "new.code"),
        ("ward_id", "src.ward_id", "ward", "new.ward_id"),
        ("holding_type", "src.v_type", "holding_type", "new.holding_type"),
        ("annual_value", "src.v_annual_val", "annual_value", "new.annual_value::text"),
        ("address", "src.v_address", "address", "new.address"),
        ("status", "src.v_status", "status", "new.status"),
    ],
}
_TIMESTAMPED = {"buildings", "holdings"}


def _history(fields) -> sql.Composable:
    """``{field: [null, value]}`` for every value that is not null or '',
    as :func:`backoffice.registry.history.change_record` writes it."""
    pairs = []
    for _target, _expr, key, hist in fields:
        pairs.append(
            sql.SQL(
                "{k}, CASE WHEN ({h}) IS NULL OR ({h})::text = '' THEN NULL"
                " ELSE jsonb_build_array(NULL, to_jsonb({h})) END"
            ).format(k=sql.Literal(key), h=sql.SQL(hist))
        )
    # jsonb_build_object takes at most 100 arguments; ours are far fewer.
    return sql.SQL("jsonb_strip_nulls(jsonb_build_object({}))").format(sql.SQL(", ").join(pairs))


def insert_sql(
    spec: KindSpec,
    *,
    schema: str,
    checked: str,
    actor_id: int | None,
    actor_username: str,
    bin_prefix: str = "",
    bin_digits: int = 7,
) -> sql.Composed:
    fields = list(_FIELDS[spec.kind])
    ident = sql.Identifier
    targets = [f[0] for f in fields]
    exprs = [sql.SQL(f[1]) for f in fields]
    history = _history(fields)
    returning = {"id"} | {f[0] for f in fields}
    src_extra = sql.SQL("")
    if spec.kind == "buildings":
        sequence = sql.Literal(f'"{schema}".{BIN_SEQUENCE}')
        src_extra = sql.SQL(
            ", CASE WHEN c.raw_bin IS NULL THEN nextval({}::regclass) END AS n"
        ).format(sequence)
        targets.insert(0, "bin")
        exprs.insert(
            0,
            sql.SQL(
                "COALESCE(src.raw_bin,"
                " {p} || lpad(src.n::text, greatest({d}, length(src.n::text)), '0'))"
            ).format(p=sql.Literal(bin_prefix), d=sql.Literal(bin_digits)),
        )
        history = sql.SQL(
            "{} || jsonb_build_object('bin', jsonb_build_array(NULL, new.bin))"
        ).format(history)
        returning.add("bin")
    if spec.kind in _TIMESTAMPED:
        targets += ["created_at", "updated_at"]
        exprs += [sql.SQL("now()"), sql.SQL("now()")]
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
    return sql.SQL(
        "WITH src AS (SELECT c.* {src_extra} FROM {checked} c"
        " WHERE cardinality(c.reasons) = 0 ORDER BY c.row_no OFFSET 0),"
        " new AS (INSERT INTO {table} ({targets}) SELECT {exprs} FROM src RETURNING {returning})"
        " {links}"
        " INSERT INTO {history_table}"
        " (model, object_id, action, changes, actor_id, actor_username, at)"
        " SELECT {model}, new.id, 'create', {history}, {actor_id}, {actor_username}, now()"
        " FROM {history_from}"
    ).format(
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


def bin_sequence_advance_sql(*, schema: str, checked: str, prefix: str) -> sql.Composed:
    """Move the BIN sequence past the highest BIN kept from the file, so the
    sequence never hands out a number that is taken (never backwards)."""
    seq = sql.Identifier(schema, BIN_SEQUENCE)
    return sql.SQL(
        "SELECT setval({seq_name}::regclass, k.top)"
        " FROM (SELECT max(substr(raw_bin, {start})::bigint)"
        " AS top FROM {checked} WHERE cardinality(reasons) = 0 AND raw_bin IS NOT NULL) k, {seq} s"
        " WHERE k.top IS NOT NULL AND k.top >= s.last_value"
    ).format(
        seq_name=sql.Literal(f'"{schema}".{BIN_SEQUENCE}'),
        start=sql.Literal(len(prefix) + 1),
        checked=sql.Identifier(schema, checked),
        seq=seq,
    )

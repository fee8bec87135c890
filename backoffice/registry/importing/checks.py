"""Set-based checks of a staged file: one CREATE TABLE ... AS SELECT turns
the staging table (every attribute as text) into a checked table with
typed values, the repaired geometry in EPSG:4326 and, per row, the list of
reasons it is rejected (empty when the row is good).

Reasons are codes ``<column>:<problem>``; :func:`reason_messages` turns
them into sentences for the report.  Every value from the file reaches SQL
as data in the staging table, never as SQL text; identifiers are ours."""

from django.utils.translation import gettext as _
from psycopg import sql

from backoffice.registry.importing import cells
from backoffice.registry.importing.schema import KindSpec
from backoffice.registry.importing.ward_grid import cell_join_sql, point_ward_sql

GEOMETRY_TEXT_NAMES = ("wkt", "geometry", "geom_wkt", "the_geom")
# A generous box around Bangladesh, for wards (they define the municipality).
BANGLADESH_BOX = (87.5, 20.0, 93.0, 27.0)


def _lit(value) -> sql.Composable:
    return sql.Literal(value)


# The cells read after the field checks: keys and the road's code.  The
# other cells' text stays in the staging table (the report reads it there,
# see cells.raw_cells_sql): carried through every layer and written to the
# checked table it cost 0.05 CPU-s at 156,052 buildings.
LATE_RAWS = ("bin", "code", "road")


class _Layers:
    """The checks' nested subqueries, each ``SELECT <carried columns>, <new
    columns>, clock_timestamp() FROM (<below>) l``: a volatile call in a
    subquery's list stops PostgreSQL merging it into the query above (which
    would copy each expression into every place that uses it, so ST_IsValid
    would run several times a row); unlike ``OFFSET 0`` it leaves the layers
    free to run in parallel workers.

    Each layer names the columns it carries up, not ``l.*``: every column a
    layer carries is copied once a row per layer, and whatever reaches the
    top of the workers' part crosses to the leader (the file's geometry as
    read and as typed were three copies of each footprint there)."""

    def __init__(self, select: sql.Composable, names: list[str]) -> None:
        self.sql, self.names, self.count = select, list(names), 0

    def add(
        self,
        columns: list[tuple[str, sql.Composable]],
        *,
        drop: tuple[str, ...] = (),
        join: sql.Composable | None = None,
    ) -> None:
        """A layer over the current one, with ``columns`` (name, expression
        over ``l``) and without the columns named in ``drop``."""
        self.count += 1
        carried = [name for name in self.names if name not in drop]
        select = [sql.SQL("l.{}").format(sql.Identifier(name)) for name in carried]
        select += [sql.SQL("{} AS {}").format(expr, sql.Identifier(name)) for name, expr in columns]
        select.append(
            sql.SQL("clock_timestamp() AS {}").format(sql.Identifier(f"_layer{self.count}"))
        )
        self.sql = sql.SQL("SELECT {} FROM ({}) l {}").format(
            sql.SQL(", ").join(select), self.sql, join or sql.SQL("")
        )
        self.names = carried + [name for name, _expr in columns]


def _road_lookup(
    schema, staged_columns, joins, extra_select, extra_reasons, roads="registry_road"
) -> None:
    """``road_id`` from the file's road code (buildings, drains); unknown
    codes are rejected; no lookup at all when the file has no road column."""
    if "road" not in staged_columns:
        extra_select.append(sql.SQL("NULL::bigint AS road_id"))
        return
    joins.append(
        sql.SQL("LEFT JOIN {roads} road ON road.code = b.raw_road").format(
            roads=sql.Identifier(schema, roads)
        )
    )
    extra_select.append(sql.SQL("road.id AS road_id"))
    extra_reasons.append(
        sql.SQL("CASE WHEN b.raw_road IS NOT NULL AND road.id IS NULL THEN 'road:unknown' END")
    )


def _bin_form(raw: sql.Composable, prefix: str, digits: int) -> sql.Composable:
    """Whether a BIN has this municipality's form (prefix, then a number of
    at least ``digits`` digits, zero-padded to exactly that many)."""
    number = sql.SQL("substr({}, {})").format(raw, _lit(len(prefix) + 1))
    return sql.SQL(
        "(left({raw}, {plen}) = {prefix} AND {num} ~ '^[0-9]{{1,18}}$'"
        " AND length({num}) >= {digits} AND (length({num}) = {digits} OR left({num}, 1) <> '0'))"
    ).format(raw=raw, plen=_lit(len(prefix)), prefix=_lit(prefix), num=number, digits=_lit(digits))


def file_bin_top_sql(
    spec: KindSpec,
    *,
    schema: str,
    stage: str,
    staged_columns: dict[str, str],
    prefix: str,
    digits: int,
) -> sql.Composed:
    """The highest BIN number of this municipality's form anywhere in the
    staged file (NULL if none): the BIN sequence is moved past it before a
    file checked in parts allocates any BIN (a row of the second part may
    keep a BIN the first part's allocations would otherwise reach)."""
    raw = cells.raw_sql(spec.column("bin"), staged_columns)
    return sql.SQL(
        "SELECT max(substr(k.raw, {start})::bigint) FROM (SELECT {raw} AS raw FROM {stage} s) k"
        " WHERE k.raw IS NOT NULL AND {form}"
    ).format(
        start=_lit(len(prefix) + 1),
        raw=raw,
        stage=sql.Identifier(schema, stage),
        form=_bin_form(sql.SQL("k.raw"), prefix, digits),
    )


def registered_keys_sql(
    spec: KindSpec, *, schema: str, stage: str, staged_columns: dict[str, str], table: str
) -> sql.Composed:
    """``CREATE TABLE <table> AS`` the register's BINs that the file names:
    what the checks of a part of the file compare against while the import's
    transaction holds the register (see services.py)."""
    raw = cells.raw_sql(spec.column("bin"), staged_columns)
    return sql.SQL(
        "CREATE UNLOGGED TABLE {table} AS SELECT x.bin FROM {register} x"
        " WHERE x.bin IN (SELECT {raw} FROM {stage} s)"
    ).format(
        table=sql.Identifier(schema, table),
        register=sql.Identifier(schema, spec.table),
        raw=raw,
        stage=sql.Identifier(schema, stage),
    )


def check_table_sql(
    spec: KindSpec,
    *,
    schema: str,
    stage: str,
    checked: str,
    staged_columns: dict[str, str],
    srid: int,
    bin_prefix: str = "",
    bin_digits: int = 7,
    ward_grid: tuple[str, float] | None = None,
    rows: tuple[int, int] | None = None,
    sources: dict[str, str] | None = None,
) -> sql.Composed:
    """The statement that builds the checked table from the staging table.

    Geometry work is done in nested subqueries (:class:`_Layers`), so every
    function runs once per row.  ``ward_grid`` is (table, cell size) of the
    wards' grid (ward_grid.py), for buildings.  ``rows`` (first, last)
    checks a part of the file (duplicates are still looked for in all of
    it); ``sources`` names tables to read instead of the register's
    (``registry_ward``, ``registry_road`` and the import's own table, for
    the keys already registered), see services.py."""

    def source(table: str) -> str:
        return (sources or {}).get(table, table)

    ident = sql.Identifier
    raws, values, reasons = [], [], []
    raw_names, value_names, finish = [], [], []
    base_names = ["row_no"]  # the first layer's columns, as ``raws`` names them
    # Columns the file does not have: constants, added at the top (their
    # reasons fold to constants too), not parsed or carried through the
    # layers a row at a time.
    absent: dict[str, sql.Composable] = {}
    for column in spec.columns:
        raw_name, value_name = f"raw_{column.name}", f"v_{column.name}"
        raw_names.append(raw_name)
        value_names.append(value_name)
        if column.name not in staged_columns:
            nothing = sql.SQL("NULL::text")
            value = cells.value_sql(column, nothing)
            reasons.extend(cells.reasons_sql(column, nothing, value))
            if column.default is not None:
                value = sql.SQL("COALESCE({}, {})").format(value, _lit(column.default))
            absent[raw_name], absent[value_name] = nothing, value
            continue
        raws.append(
            sql.SQL("{} AS {}").format(cells.raw_sql(column, staged_columns), ident(raw_name))
        )
        base_names.append(raw_name)
        raw_ref, value_ref = (
            sql.SQL("l.{}").format(ident(raw_name)),
            sql.SQL("l.{}").format(ident(value_name)),
        )
        if cells.is_native(column, staged_columns):
            number_name = f"n_{column.name}"
            raws.append(sql.SQL("s.{} AS {}").format(ident(column.name), ident(number_name)))
            base_names.append(number_name)
            value = cells.native_value_sql(
                column, sql.SQL("l.{}").format(ident(number_name)), staged_columns[column.name]
            )
        else:
            value = cells.value_sql(column, raw_ref)
        values.append((value_name, value))
        reasons.extend(cells.reasons_sql(column, raw_ref, value_ref))
        if column.default is not None:  # the default, once the reasons are given
            finish.append(
                (value_name, sql.SQL("COALESCE({}, {})").format(value_ref, _lit(column.default)))
            )

    # Layers: the cells' text (and the geometry as read), their typed values,
    # the reasons; then the geometry's layers.
    base = [sql.SQL("s.src_fid AS row_no"), *raws, sql.SQL("clock_timestamp() AS _layer0")]
    if spec.geometry:
        text_col = next((n for n in GEOMETRY_TEXT_NAMES if n in staged_columns), None)
        if text_col:  # Excel (or a CSV read without geometry): WKT as text
            source_geom = sql.SQL(
                "ST_Force2D(COALESCE(s.geom, pg_temp.imis_wkt(s.{}::text, {})))"
            ).format(ident(text_col), _lit(srid))
        else:  # ogr2ogr wrote it 2D (-dim XY) with the SRID (-a_srs)
            source_geom = sql.SQL("s.geom")
        base.append(sql.SQL("{} AS g0").format(source_geom))
        base_names.append("g0")
    part = (
        sql.SQL(" WHERE s.src_fid BETWEEN {} AND {}").format(_lit(rows[0]), _lit(rows[1]))
        if rows
        else sql.SQL("")
    )
    layers = _Layers(
        sql.SQL("SELECT {} FROM {} s{}").format(
            sql.SQL(", ").join(base), ident(schema, stage), part
        ),
        base_names,
    )
    numbers = tuple(name for name in base_names if name.startswith("n_"))
    # Dropped in the layer that gives the field reasons (their last reader).
    early_raws = tuple(
        f"raw_{column.name}"
        for column in spec.columns
        if column.name not in LATE_RAWS and column.name in staged_columns
    )
    field_reasons = (
        "field_reasons",
        sql.SQL("array_remove(ARRAY[{}]::text[], NULL)").format(sql.SQL(", ").join(reasons)),
    )
    if not spec.geometry:
        layers.add(values, drop=numbers)
        layers.add(
            [field_reasons, *finish],
            drop=early_raws + tuple(name for name, _e in finish),
        )
    else:
        # The cells' values and the geometry's first steps share layers.
        dim = spec.geometry_dimension
        polygonal = ("POLYGON", "MULTIPOLYGON") if dim == 2 else ("LINESTRING", "MULTILINESTRING")
        # GeometryType reads the header only; most rows are of the right type.
        right_type = sql.SQL(
            "CASE WHEN GeometryType(l.g0) = ANY({types}) THEN true"
            " WHEN GeometryType(l.g0) = 'GEOMETRYCOLLECTION' THEN ST_Dimension(l.g0) = {dim}"
            " ELSE false END"
        ).format(types=_lit(list(polygonal)), dim=_lit(dim))
        to_4326 = sql.SQL("l.g0") if srid == 4326 else sql.SQL("ST_Transform(l.g0, 4326)")
        missing = sql.SQL("l.g0 IS NULL OR ST_IsEmpty(l.g0)")
        g1 = sql.SQL("CASE WHEN NOT ({missing}) AND {right} THEN {to_4326} END").format(
            missing=missing, right=right_type, to_4326=to_4326
        )
        layers.add([*values, ("g1", g1), ("g_missing", missing)], drop=numbers)
        layers.add(
            [field_reasons, ("was_valid", sql.SQL("ST_IsValid(l.g1)"))],
            drop=("g0", *early_raws),
        )
        # Valid multi-geometries go through untouched; the rest are repaired,
        # their parts of the right dimension kept, and made multi.
        layers.add(
            [
                (
                    "g",
                    sql.SQL(
                        "CASE WHEN l.was_valid AND GeometryType(l.g1) = {multi} THEN l.g1"
                        " ELSE ST_Multi(ST_CollectionExtract("
                        "CASE WHEN l.was_valid THEN l.g1 ELSE ST_MakeValid(l.g1) END, {x})) END"
                    ).format(multi=_lit(polygonal[1]), x=_lit(3 if dim == 2 else 2)),
                ),
                ("g_typed", sql.SQL("l.g1 IS NOT NULL")),
            ],
            drop=("g1",),
        )
        layers.add(
            [("good", sql.SQL("l.g IS NOT NULL AND NOT ST_IsEmpty(l.g)"))]
            + (
                # The point is a layer's column: computed once, not for the
                # grid's join and again for the lookup.
                [
                    (
                        "pos",
                        sql.SQL(
                            "CASE WHEN l.g IS NOT NULL AND NOT ST_IsEmpty(l.g)"
                            " THEN ST_PointOnSurface(l.g) END"
                        ),
                    )
                ]
                if spec.kind == "buildings"
                else []
            )
        )
        if spec.kind == "buildings" and ward_grid:
            # The ward: from the grid (a hash join, in the parallel workers)
            # when the point's cell lies inside one ward, else looked up.
            grid_table, cell_size = ward_grid
            layers.add(
                [("grid_ward", sql.SQL("grid.ward_id"))],
                join=cell_join_sql(
                    schema=schema, table=grid_table, size=cell_size, point=sql.SQL("l.pos")
                ),
            )
        # The last layer of the workers' part: only what the leader needs
        # crosses to it (one geometry; the point only where it is looked up).
        geometry_finish = [
            ("geom", sql.SQL("CASE WHEN l.good THEN l.g END")),
            ("repaired", sql.SQL("l.g_typed AND NOT l.was_valid AND l.good")),
            (
                "geom_reason",
                sql.SQL(
                    "CASE WHEN l.g_missing THEN 'geometry:missing'"
                    " WHEN NOT l.g_typed THEN 'geometry:type'"
                    " WHEN NOT l.good THEN 'geometry:invalid' END"
                ),
            ),
        ]
        geometry_drop = ("g", "g_missing", "g_typed", "was_valid")
        if spec.kind == "buildings":
            point = (
                sql.SQL("CASE WHEN l.grid_ward IS NULL THEN l.pos END")
                if ward_grid
                else sql.SQL("l.pos")
            )
            geometry_finish.append(("lookup_pos", point))
            geometry_drop += ("pos",)
        layers.add(
            [*finish, *geometry_finish],
            drop=geometry_drop + tuple(name for name, _e in finish),
        )

    joins: list[sql.Composable] = []
    extra_select: list[sql.Composable] = []
    extra_reasons: list[sql.Composable] = []
    good_geom = sql.SQL("b.good")
    if spec.geometry:
        extra_select.append(sql.SQL("b.geom"))
        repaired = sql.SQL("b.repaired")
        extra_reasons.append(sql.SQL("b.geom_reason"))
    else:
        repaired = sql.SQL("false")

    target = ident(schema, source(spec.table))
    if spec.kind == "buildings":
        grid_ward = sql.SQL("l.grid_ward") if ward_grid else sql.SQL("NULL::bigint")
        layers.add(
            [
                (
                    "ward_found",
                    sql.SQL(
                        "COALESCE({grid}, CASE WHEN l.lookup_pos IS NOT NULL THEN {lookup} END)"
                    ).format(
                        grid=grid_ward,
                        lookup=point_ward_sql(
                            schema=schema,
                            point=sql.SQL("l.lookup_pos"),
                            wards=source("registry_ward"),
                        ),
                    ),
                )
            ],
            drop=("grid_ward", "lookup_pos"),
        )
        _road_lookup(
            schema,
            staged_columns,
            joins,
            extra_select,
            extra_reasons,
            source("registry_road"),
        )
        extra_select.append(sql.SQL("b.ward_found AS ward_id"))
        extra_reasons.append(
            sql.SQL("CASE WHEN {g} AND b.ward_found IS NULL THEN 'location:outside' END").format(
                g=good_geom
            )
        )
        if "bin" in staged_columns:
            # A BIN given in the file is kept when it has this municipality's form.
            extra_reasons.append(
                sql.SQL("CASE WHEN b.raw_bin IS NOT NULL AND NOT {} THEN 'bin:format' END").format(
                    _bin_form(sql.SQL("b.raw_bin"), bin_prefix, bin_digits)
                )
            )
        key_expr = sql.SQL("b.raw_bin")
        dup_keys = sql.SQL("SELECT {} FROM {} s").format(
            cells.raw_sql(spec.column("bin"), staged_columns), ident(schema, stage)
        )
        exists = sql.SQL("EXISTS (SELECT 1 FROM {t} x WHERE x.bin = b.raw_bin)").format(t=target)
    elif spec.kind in ("roads", "drains", "waterbodies"):
        # Lines and water: somewhere in the municipality (a river may run on
        # beyond it), not wholly inside one ward.
        wards = ident(schema, "registry_ward")
        extra_reasons.append(
            sql.SQL(
                "CASE WHEN {g} AND NOT EXISTS (SELECT 1 FROM {w} w"
                " WHERE ST_Intersects(w.boundary, b.geom)) THEN 'location:outside' END"
            ).format(g=good_geom, w=wards)
        )
        if spec.kind == "drains":
            _road_lookup(schema, staged_columns, joins, extra_select, extra_reasons)
        if spec.key == "code":
            key_expr = sql.SQL("b.raw_code")
            dup_keys = sql.SQL("SELECT {} FROM {} s").format(
                cells.raw_sql(spec.column("code"), staged_columns), ident(schema, stage)
            )
            exists = sql.SQL("EXISTS (SELECT 1 FROM {t} x WHERE x.code = b.raw_code)").format(
                t=target
            )
    elif spec.kind == "wards":
        x0, y0, x1, y1 = BANGLADESH_BOX
        extra_reasons.append(
            sql.SQL(
                "CASE WHEN {g} AND NOT ST_Within(b.geom,"
                " ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4326))"
                " THEN 'location:outside_country' END"
            ).format(g=good_geom, x0=_lit(x0), y0=_lit(y0), x1=_lit(x1), y1=_lit(y1))
        )
        key_expr = sql.SQL("b.v_number")
        number = spec.column("number")
        dup_keys = sql.SQL("SELECT {} FROM {} s").format(
            cells.value_sql(number, cells.raw_sql(number, staged_columns)), ident(schema, stage)
        )
        exists = sql.SQL("EXISTS (SELECT 1 FROM {t} x WHERE x.number = b.v_number)").format(
            t=target
        )
    else:  # holdings: codes were checked by backoffice.registry.codes (see services)
        joins.append(sql.SQL("LEFT JOIN pg_temp.imis_codes hc ON hc.row_no = b.row_no"))
        joins.append(
            sql.SQL("LEFT JOIN {w} ward ON ward.number = hc.ward_number").format(
                w=ident(schema, "registry_ward")
            )
        )
        buildings = ident(schema, "registry_building")
        extra_select += [
            sql.SQL("hc.code AS code"),
            sql.SQL("hc.error AS code_error"),
            sql.SQL("ward.id AS ward_id"),
            sql.SQL(
                "(SELECT array_agg(x.id ORDER BY x.bin) FROM {t} x"
                " WHERE x.bin = ANY(hc.bins)) AS building_ids"
            ).format(t=buildings),
            sql.SQL("hc.bins AS bins"),
        ]
        extra_reasons.append(
            sql.SQL(
                "CASE WHEN hc.error IS NOT NULL AND b.raw_code IS NOT NULL THEN 'code:invalid' END"
            )
        )
        extra_reasons.append(
            sql.SQL(
                "CASE WHEN hc.code IS NOT NULL AND ward.id IS NULL THEN 'code:ward_unknown' END"
            )
        )
        extra_reasons.append(
            sql.SQL(
                "CASE WHEN cardinality(hc.bins) > (SELECT count(*) FROM {t} x"
                " WHERE x.bin = ANY(hc.bins)) THEN 'bins:unknown' END"
            ).format(t=buildings)
        )
        key_expr = sql.SQL("hc.code")
        dup_keys = sql.SQL("SELECT code FROM pg_temp.imis_codes")
        exists = sql.SQL("EXISTS (SELECT 1 FROM {t} x WHERE x.code = hc.code)").format(t=target)

    # A key the file does not have is NULL in every row: nothing to compare.
    if spec.key and (spec.kind == "holdings" or spec.key in staged_columns):
        extra_reasons.append(
            sql.SQL(
                "CASE WHEN {k} IN (SELECT d.key FROM ({dups}) d(key) WHERE d.key IS NOT NULL"
                " GROUP BY d.key HAVING count(*) > 1) THEN {code} END"
            ).format(k=key_expr, dups=dup_keys, code=_lit(f"{spec.key}:duplicate_in_file"))
        )
        extra_reasons.append(
            sql.SQL("CASE WHEN {k} IS NOT NULL AND {e} THEN {code} END").format(
                k=key_expr, e=exists, code=_lit(f"{spec.key}:exists")
            )
        )
    keep = ["row_no"]
    for raw_name, value_name in zip(raw_names, value_names, strict=True):
        keep += [raw_name, value_name] if raw_name not in early_raws else [value_name]
    keep.append("field_reasons")
    layer = layers.sql
    if absent:  # a plain subquery: merged into the top, its constants folded
        layer = sql.SQL("SELECT b0.*, {} FROM ({}) b0").format(
            sql.SQL(", ").join(
                sql.SQL("{} AS {}").format(expr, ident(name)) for name, expr in absent.items()
            ),
            layer,
        )
    # The verdict first: counting the good rows reads no further into a row.
    return sql.SQL(
        "CREATE UNLOGGED TABLE {checked} AS"
        " SELECT b.field_reasons || array_remove(ARRAY[{reasons}]::text[], NULL) AS reasons,"
        " {repaired} AS repaired, {keep}, {extra}"
        " FROM ({layer}) b {joins}"
    ).format(
        checked=ident(schema, checked),
        repaired=repaired,
        keep=sql.SQL(", ").join(sql.SQL("b.{}").format(ident(name)) for name in keep),
        extra=sql.SQL(", ").join(extra_select),
        reasons=sql.SQL(", ").join(extra_reasons),
        layer=layer,
        joins=sql.SQL(" ").join(joins),
    )


WKT_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.imis_wkt(t text, srid integer) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF t IS NULL OR btrim(t) = '' THEN RETURN NULL; END IF;
  RETURN ST_GeomFromText(t, srid);
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$
"""


def reason_messages(spec: KindSpec) -> dict[str, str]:
    """Every reason code the checks can give, in the active language."""
    messages = {
        "geometry:missing": _("The row has no geometry (or it could not be read)."),
        "geometry:type": (
            _("The geometry is not a polygon.")
            if spec.geometry_dimension == 2
            else _("The geometry is not a line.")
        ),
        "geometry:invalid": _("The geometry is invalid and could not be repaired."),
        "location:outside": _("It lies outside every ward of this municipality."),
        "location:outside_country": _("It lies outside Bangladesh (check the coordinate system)."),
        "road:unknown": _("The road code is not in the register."),
        "bin:format": _(
            "The BIN is not in this municipality's form; leave it empty to allocate one."
        ),
        "code:invalid": _("The holding code is not valid."),
        "code:ward_unknown": _("The ward of the holding code does not exist in this municipality."),
        "bins:unknown": _("A BIN to link is not in the register."),
    }
    if spec.key:
        messages[f"{spec.key}:duplicate_in_file"] = _(
            "%(column)s appears more than once in the file."
        ) % {"column": spec.key}
        messages[f"{spec.key}:exists"] = _("%(column)s is already registered.") % {
            "column": spec.key
        }
    for column in spec.columns:
        name = column.name
        messages[f"{name}:required"] = _("%(column)s is required.") % {"column": name}
        messages[f"{name}:too_long"] = _("%(column)s is longer than %(n)s characters.") % {
            "column": name,
            "n": column.max_length,
        }
        messages[f"{name}:invalid"] = {
            "int": _("%(column)s must be a whole number."),
            "decimal": _("%(column)s must be a number with at most two decimals."),
            "bool": _("%(column)s must be yes or no (1 or 0)."),
        }.get(column.type, _("%(column)s is not valid.")) % {"column": name}
        messages[f"{name}:range"] = _("%(column)s must be between %(low)s and %(high)s.") % {
            "column": name,
            "low": column.minimum,
            "high": column.maximum,
        }
        if column.choices:
            messages[f"{name}:choice"] = _("%(column)s must be one of: %(choices)s.") % {
                "column": name,
                "choices": ", ".join(column.choices),
            }
    return messages

"""The rules for one cell of a staged file, as SQL over the staging table
``s`` (its text trimmed, its typed value, the reasons it is refused) and
the formula guard for text going out to a spreadsheet.  checks.py puts
them together into the statement that checks a whole file."""

from psycopg import sql

from backoffice.registry.importing.schema import Column, KindSpec

BANGLA = "০১২৩৪৫৬৭৮৯"
ASCII = "0123456789"


def _lit(value) -> sql.Composable:
    return sql.Literal(value)


def formula_guard(expr: sql.Composable) -> sql.Composable:
    """``expr`` as text, with an apostrophe before a leading ``= + - @``, so a
    spreadsheet shows the text instead of running it as a formula (CSV
    exports and reports).  The importer takes the apostrophe off again."""
    return sql.SQL("regexp_replace({}::text, '^([=+@\t\r-])', '''\\1')").format(expr)


NUMERIC_TYPES = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double precision"})


def is_native(column: Column, staged: dict[str, str]) -> bool:
    """A number column the file stored as a number (GeoPackage, Shapefile):
    its value is read as it is, not parsed from text."""
    return column.type in ("int", "decimal") and staged.get(column.name) in NUMERIC_TYPES


INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


def raw_sql(column: Column, staged: dict[str, str]) -> sql.Composable:
    if column.name not in staged:
        return sql.SQL("NULL::text")
    if staged[column.name] in INTEGER_TYPES:  # its text has no blanks and is never empty
        return sql.SQL("s.{}::text").format(sql.Identifier(column.name))
    text = sql.SQL("NULLIF(btrim(s.{}::text, E' \\t\\r\\n'), '')").format(
        sql.Identifier(column.name)
    )
    if column.type == "text":  # undo formula_guard
        text = sql.SQL("regexp_replace({}, '^''([=+@\t\r-])', '\\1')").format(text)
    return text


def raw_cells_sql(spec: KindSpec, staged: dict[str, str]) -> list[sql.Composable]:
    """Each column's cell as the checks read it (trimmed text, NULL when
    empty or absent), from the staging table ``s``: what a report of
    rejected rows shows."""
    return [raw_sql(column, staged) for column in spec.columns]


def _digits(expr: sql.Composable) -> sql.Composable:
    return sql.SQL("translate({}, {}, {})").format(expr, _lit(BANGLA), _lit(ASCII))


def native_value_sql(column: Column, number: sql.Composable, staged_type: str) -> sql.Composable:
    """The value of a cell stored as a number, NULL when it does not fit
    (the same verdicts as the text rules below: whole numbers of up to 12
    digits; non-negative amounts with at most two decimals).  An integer
    column is compared as integers: the numeric arithmetic of the general
    rule cost 0.1 CPU-s at 156,000 rows of three such columns."""
    if column.type == "int" and staged_type in INTEGER_TYPES:
        if staged_type == "bigint":
            return sql.SQL(
                "CASE WHEN {n} BETWEEN -999999999999 AND 999999999999 THEN {n} END"
            ).format(n=number)
        return sql.SQL("{}::bigint").format(number)  # at most 10 digits
    if column.type == "int":
        return sql.SQL(
            "CASE WHEN abs({n}) < 1e12 AND {n} = trunc({n}) THEN {n}::bigint END"
        ).format(n=number)
    return sql.SQL(
        "CASE WHEN {n} >= 0 AND {n} < 1e15 AND {n}::numeric = round({n}::numeric, 2)"
        " THEN round({n}::numeric, 2) END"
    ).format(n=number)


def value_sql(column: Column, raw: sql.Composable) -> sql.Composable:
    """The typed value of a cell (``raw``: its trimmed text), NULL when the
    cell is empty or not valid."""
    if column.type == "int":
        text = _digits(raw)
        return sql.SQL(
            "CASE WHEN {t} ~ '^[+-]?[0-9]{{1,12}}(\\.0*)?$'"
            " THEN split_part({t}, '.', 1)::bigint END"
        ).format(t=text)
    if column.type == "decimal":
        text = _digits(raw)
        return sql.SQL(
            "CASE WHEN {t} ~ '^[+]?[0-9]{{1,15}}(\\.[0-9]{{0,2}}0*)?$'"
            " THEN round({t}::numeric, 2) END"
        ).format(t=text)
    if column.type == "bool":
        return sql.SQL(
            "CASE WHEN {r} IN ('1','0') THEN {r} = '1'"
            " WHEN lower({r}) IN ('1','true','t','yes','y') THEN true"
            " WHEN lower({r}) IN ('0','false','f','no','n') THEN false END"
        ).format(r=raw)
    if column.type == "choice":
        choices = list(column.choices)
        if all(choice == choice.lower() for choice in choices):
            # Most cells are written as the choice is: lower() (a wide-char
            # round trip per cell) only for the others.
            return sql.SQL(
                "CASE WHEN {r} = ANY({c}) THEN {r} WHEN lower({r}) = ANY({c}) THEN lower({r}) END"
            ).format(r=raw, c=_lit(choices))
        return sql.SQL("CASE WHEN lower({r}) = ANY({c}) THEN lower({r}) END").format(
            r=raw, c=_lit(choices)
        )
    return raw


def reasons_sql(column: Column, raw: sql.Composable, value: sql.Composable) -> list[sql.Composable]:
    """Reason expressions over the cell's text and typed value (columns of
    the layer below, so each cell is parsed once)."""
    name = column.name
    reasons: list[sql.Composable] = []
    if column.required:
        reasons.append(
            sql.SQL("CASE WHEN {} IS NULL THEN {} END").format(raw, _lit(f"{name}:required"))
        )
    if column.type in ("int", "decimal", "bool", "choice"):
        problem = "choice" if column.type == "choice" else "invalid"
        reasons.append(
            sql.SQL("CASE WHEN {r} IS NOT NULL AND {v} IS NULL THEN {code} END").format(
                r=raw, v=value, code=_lit(f"{name}:{problem}")
            )
        )
    elif column.max_length:
        reasons.append(
            sql.SQL("CASE WHEN length({r}) > {n} THEN {code} END").format(
                r=raw, n=_lit(column.max_length), code=_lit(f"{name}:too_long")
            )
        )
    if column.type in ("int", "decimal") and (
        column.minimum is not None or column.maximum is not None
    ):
        low = column.minimum if column.minimum is not None else -(10**15)
        high = column.maximum if column.maximum is not None else 10**15
        reasons.append(
            sql.SQL("CASE WHEN {v} NOT BETWEEN {lo} AND {hi} THEN {code} END").format(
                v=value, lo=_lit(low), hi=_lit(high), code=_lit(f"{name}:range")
            )
        )
    return reasons

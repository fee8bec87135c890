"""The report of an import's rejected rows: every rejected row with its row
number, reason codes, the reasons in the job's language and the values it
had (formula-guarded for spreadsheets), as a CSV with a BOM."""

import csv
import io
from pathlib import Path

from django.core.files import File
from django.db import connection
from django.utils.translation import gettext as _
from psycopg import sql

from backoffice.registry.importing import cells, checks
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.staging import execute as _execute


def rejected_report_write(
    job: ImportJob,
    spec,
    checked: list[str],
    workdir: Path,
    *,
    stage: str,
    staged_columns: dict[str, str],
) -> str:
    """Every rejected row: its row number, reasons and the values it had
    (``checked``: the checked tables, one per part of the file; the cells
    are read from the staging table ``stage``, as the checks read them)."""
    schema = connection.schema_name
    messages = checks.reason_messages(spec)
    _execute(
        "CREATE TEMP TABLE IF NOT EXISTS imis_reasons (code text PRIMARY KEY, message text)"
        " ON COMMIT PRESERVE ROWS"
    )
    _execute("TRUNCATE pg_temp.imis_reasons")
    raw_cursor = connection.connection.cursor()
    with raw_cursor.copy("COPY pg_temp.imis_reasons (code, message) FROM STDIN") as copy:
        for code, message in messages.items():
            copy.write_row((code, message))
    code_error = (
        sql.SQL("CASE WHEN r = 'code:invalid' AND c.code_error IS NOT NULL THEN c.code_error END")
        if spec.kind == "holdings"
        else sql.SQL("NULL")
    )
    verdicts = ["row_no", "reasons"] + (["code_error"] if spec.kind == "holdings" else [])
    query = sql.SQL(
        "COPY (SELECT c.row_no, array_to_string(c.reasons, ' '),"
        " (SELECT string_agg(COALESCE({code_error}, m.message, r), ' ' ORDER BY ord)"
        "  FROM unnest(c.reasons) WITH ORDINALITY AS u(r, ord)"
        "  LEFT JOIN pg_temp.imis_reasons m ON m.code = u.r), {raws}"
        " FROM ({checked}) c JOIN {stage} s ON s.src_fid = c.row_no"
        " WHERE cardinality(c.reasons) > 0 ORDER BY c.row_no)"
        " TO STDOUT WITH (FORMAT csv)"
    ).format(
        code_error=code_error,
        raws=sql.SQL(", ").join(
            cells.formula_guard(cell) for cell in cells.raw_cells_sql(spec, staged_columns)
        ),
        checked=sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(map(sql.Identifier, verdicts)), sql.Identifier(schema, name)
            )
            for name in checked
        ),
        stage=sql.Identifier(schema, stage),
    )
    header = io.StringIO()
    csv.writer(header).writerow(
        [_("row"), _("reason codes"), _("reasons"), *[column.name for column in spec.columns]]
    )
    local = workdir / "report.csv"
    with open(local, "wb") as out:
        out.write("\ufeff".encode())  # so Excel reads the CSV as UTF-8 (Bangla)
        out.write(header.getvalue().encode())
        with raw_cursor.copy(query.as_string(connection.connection)) as copy:
            for data in copy:
                out.write(bytes(data))
    with open(local, "rb") as out:
        job.report.save(f"import-{job.pk}-rejected.csv", File(out), save=False)
    return job.report.name

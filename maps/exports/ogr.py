"""ogr2ogr against this municipality's schema: argument lists, never a
shell; the password in the child's environment, not on its command line."""

import os
import subprocess

from django.db import connection

OGR2OGR = "ogr2ogr"
TIMEOUT_SECONDS = 60 * 20


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_datasource() -> tuple[str, dict[str, str]]:
    """``PG:`` datasource whose search path is the current schema (the
    layers' SQL names tables without a schema, as the web requests do)."""
    db = connection.settings_dict
    parts = {
        "dbname": db["NAME"],
        "host": db["HOST"],
        "port": str(db["PORT"] or ""),
        "user": db["USER"],
        # jit off: see maps.tools.selection.jit_off.
        "options": f"-c search_path={connection.schema_name},public -c jit=off",
    }
    text = " ".join(f"{key}={_quote(value)}" for key, value in parts.items() if value)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGAPPNAME": "imis-map-export",
        "PGCLIENTENCODING": "UTF8",
        "GDAL_HTTP_TIMEOUT": "1",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none",
    }
    if os.environ.get("HOME"):
        env["HOME"] = os.environ["HOME"]
    return f"PG:{text}", env


def ogr2ogr(args: list[str], *, env: dict[str, str]) -> None:
    result = subprocess.run(
        [OGR2OGR, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        message = (result.stderr or result.stdout or "").strip().splitlines()
        raise RuntimeError("ogr2ogr failed: " + " / ".join(message[-3:]))

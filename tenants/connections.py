"""A database connection of this process's own, beside Django's: what it
commits, Django's transaction does not hold back (and the reverse)."""

import psycopg
from django.db import connection


def own_connection(
    settings_dict: dict | None = None, *, application_name: str = "imis"
) -> psycopg.Connection:
    """An autocommit psycopg connection to Django's database (use it in a
    ``with`` block).  ``settings_dict``: Django's, captured in the thread
    that owns it when the connection is opened in another."""
    db = settings_dict or connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        application_name=application_name,
        autocommit=True,
    )

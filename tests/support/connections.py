"""A database connection of the test's own, outside the test's transaction
(what it commits, other processes see; what it holds, the code under test
waits for)."""

import psycopg
from django.db import connection


def own_connection() -> psycopg.Connection:
    """An autocommit psycopg connection to the test database (use it in a
    ``with`` block)."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        autocommit=True,
    )

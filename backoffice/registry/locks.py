"""A ward's bill-run lock: a run's issue of a ward and a payment of a bill
in that ward never interleave.

The issue of a ward reads the payments of its holdings' earlier bills (their
arrears are what those bills still owe) and stamps the new bills' issue
time; a payment of an earlier bill received after that time counts towards
the new bill instead (payments.documents.document_late_payments).  A payment
committing while the issue's statement runs would fall between the two: not
yet visible to the statement, yet received before the stamp, so the citizen
would owe it again.  So the issue holds its ward's lock exclusively for its
transaction, and recording a payment holds the paid bill's ward's lock shared
for its own (many payments at once, none during an issue): the issue waits
for payments in flight and sees them; a payment arriving meanwhile waits and
is received after the stamp.

PostgreSQL advisory locks, released at the end of the transaction; keyed by
service (holding tax and water issue apart) and municipality (schema), so
nothing waits on another municipality."""

import zlib

from django.db import connection

SERVICES = ("billing", "water")


def ward_lock_key(*, service: str, schema: str) -> int:
    if service not in SERVICES:
        raise ValueError(service)
    return zlib.crc32(f"ward-issue:{service}:{schema}".encode()) - 2**31


def ward_lock(*, service: str, ward_id: int, shared: bool = False) -> None:
    """Take the ward's lock for the current transaction (waits for it)."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    key = ward_lock_key(service=service, schema=connection.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s::integer)", [key, ward_id])

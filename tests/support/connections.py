"""A database connection of the test's own, outside the test's transaction
(what it commits, other processes see; what it holds, the code under test
waits for)."""

from tenants.connections import own_connection

__all__ = ["own_connection"]

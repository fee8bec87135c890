"""Moved to :mod:`tenants.storage` (a platform facility); the names stay
here because earlier migrations refer to them by this path."""

from tenants.storage import PrivateTenantStorage, private_root, private_storage

__all__ = ["PrivateTenantStorage", "private_root", "private_storage"]

"""Staff pages of the registry (buildings, holdings, owners), one module
per record kind; roles in :mod:`.access`."""

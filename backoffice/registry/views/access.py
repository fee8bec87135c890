"""Who may do what in the registry's staff pages (module slug "buildings").

Reads: every staff role whose work touches buildings, holdings or owners
(the communications officer publishes the public site and has no need for
owners' names and phones).  Writes and exports: the roles MISSION.md names."""

from backoffice.registry.privacy import OWNER_READERS
from tenants.permissions import user_roles
from tenants.roles import ROLE_SLUGS

MODULE = "buildings"

READERS: tuple[str, ...] = tuple(r for r in ROLE_SLUGS if r != "communications_officer")
BUILDING_EDITORS: tuple[str, ...] = ("gis_officer", "municipal_admin")
HOLDING_EDITORS: tuple[str, ...] = ("revenue_chief", "revenue_collector", "municipal_admin")
# Merge and split retire holdings: the chief signs them off, not the counter.
HOLDING_RESTRUCTURERS: tuple[str, ...] = ("revenue_chief", "municipal_admin")
EXPORTERS: tuple[str, ...] = (
    "municipal_admin",
    "gis_officer",
    "revenue_chief",
    "revenue_collector",
)
EXPORT_FORMATS: tuple[str, ...] = ("xlsx", "csv", "shp", "gpkg")


def abilities(user) -> dict[str, bool]:
    """What the page may offer this user (links and buttons); the views
    enforce the same sets."""
    roles = user_roles(user)
    return {
        "edit_buildings": bool(roles & set(BUILDING_EDITORS)),
        "edit_holdings": bool(roles & set(HOLDING_EDITORS)),
        "restructure_holdings": bool(roles & set(HOLDING_RESTRUCTURERS)),
        "export": bool(roles & set(EXPORTERS)),
        "see_owners": bool(roles & set(OWNER_READERS)),
        "import": bool(roles & set(_importers())),
    }


def _importers() -> tuple[str, ...]:
    from backoffice.registry.importing.schema import ANY_IMPORT_ROLE

    return ANY_IMPORT_ROLE

"""The declarative table of switchable modules (MISSION.md, "Modules")."""

from django.utils.translation import gettext_lazy as _

MODULES: dict[str, str] = {
    "buildings": _("Buildings"),
    "holdings": _("Holdings and holding tax"),
    "fsm": _("Faecal sludge management"),
    "water": _("Water supply"),
    "viewmap": _("ViewMap"),
    "dashboards": _("Dashboards and KPIs"),
    "cms": _("Public site"),
    "payments": _("Payments"),
    "notifications": _("Notifications"),
    "integrations": _("Integrations"),
}

DEFAULT_MODULES: tuple[str, ...] = tuple(MODULES)

# A water utility bills water; it does not collect holding tax or run FSM.
DEFAULT_MODULES_BY_KIND: dict[str, tuple[str, ...]] = {
    "city_corporation": DEFAULT_MODULES,
    "paurashava": DEFAULT_MODULES,
    "water_utility": (
        "buildings",
        "water",
        "viewmap",
        "dashboards",
        "cms",
        "payments",
        "notifications",
        "integrations",
    ),
}


def module_choices() -> list[tuple[str, str]]:
    return list(MODULES.items())

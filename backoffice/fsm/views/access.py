"""Who may do what in the FSM staff pages (module slug "fsm").

The office (FSM manager, municipal admin) runs the inbox, the help desk and
the due list; the revenue collector may settle a fee; a service provider sees
only its own jobs; a caretaker only the loads at their plant.  Viewers read
the due list and master data but export nothing."""

from backoffice.fsm import workflow
from tenants.permissions import user_roles

MODULE = "fsm"

OFFICE: tuple[str, ...] = (workflow.MANAGER, workflow.ADMIN)
# The inbox and an application's page: the office, and the counter that settles fees.
INBOX_READERS: tuple[str, ...] = (*OFFICE, "revenue_collector")
INTAKE: tuple[str, ...] = OFFICE
PROVIDERS: tuple[str, ...] = (workflow.PROVIDER,)
CARETAKERS: tuple[str, ...] = (workflow.CARETAKER,)
DUE_READERS: tuple[str, ...] = (*OFFICE, "viewer")
EXPORTERS: tuple[str, ...] = OFFICE
MASTER_READERS: tuple[str, ...] = (*OFFICE, "viewer")
# Roles whose actions are taken from the application's page (not the
# provider's or the caretaker's own forms).
DESK_ROLES: tuple[str, ...] = INBOX_READERS


def desk_actions(user, state: str) -> list[str]:
    """Actions the user may take on an application's page, in table order."""
    roles = user_roles(user) & set(DESK_ROLES)
    seen: list[str] = []
    for role in sorted(roles):
        for action in workflow.actions_for(state, role):
            if action not in seen:
                seen.append(action)
    order = list(workflow.ACTIONS)
    return sorted(seen, key=order.index)


def acting_role(user, state: str, action: str, among=DESK_ROLES) -> str | None:
    """The role the user acts in for ``action`` (the first that the table allows)."""
    for role in sorted(user_roles(user) & set(among)):
        if action in workflow.actions_for(state, role):
            return role
    return None


def may_ever(user, action: str, among=DESK_ROLES) -> bool:
    """Whether any of the user's roles may take ``action`` in some state."""
    roles = user_roles(user) & set(among)
    return any(a == action and roles & rule.roles for (_s, a), rule in workflow.TABLE.items())


def abilities(user) -> dict[str, bool]:
    roles = user_roles(user)
    return {
        "inbox": bool(roles & set(INBOX_READERS)),
        "intake": bool(roles & set(INTAKE)),
        "jobs": bool(roles & set(PROVIDERS)),
        "arrivals": bool(roles & set(CARETAKERS)),
        "due": bool(roles & set(DUE_READERS)),
        "export": bool(roles & set(EXPORTERS)),
        "master": bool(roles & set(MASTER_READERS)),
    }

"""Who may see owners' personal data (names, phones, national IDs).

MISSION.md: the system we replace leaked owners' names and phones.  Only the
revenue staff who bill and collect from owners, and the municipal admin,
see them; every other role sees buildings and holdings without owners."""

from tenants.permissions import user_has_role

OWNER_READERS: tuple[str, ...] = ("municipal_admin", "revenue_chief", "revenue_collector")


def can_see_owners(user) -> bool:
    return user_has_role(user, OWNER_READERS)

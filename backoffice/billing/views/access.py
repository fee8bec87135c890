"""Who may use which staff billing screen (module "holdings")."""

from django.shortcuts import render as django_render

from backoffice.billing.configuration import PERIOD_ROLES, RATE_EDITORS
from backoffice.billing.exemptions import EXEMPTION_ROLES
from backoffice.billing.pdf.services import PRINT_ROLES
from backoffice.billing.services import APPROVER_ROLES
from tenants.permissions import role_required, user_has_role

MODULE = "holdings"
REVENUE = ("revenue_chief", "revenue_collector", "municipal_admin")
# Runs, rates and the collection report are read by the viewer too; the dues
# list (what each holding owes, exportable) stays with revenue staff.
READERS = (*REVENUE, "viewer")
RUN_EDITORS = PERIOD_ROLES  # open a period, prepare and issue a run
APPROVERS = APPROVER_ROLES  # the revenue chief only
RATE_WRITERS = RATE_EDITORS
DUES_READERS = REVENUE
COLLECTION_READERS = ("revenue_chief", "municipal_admin", "viewer")


def required(roles):
    return role_required(*roles, module=MODULE)


def abilities(user) -> dict:
    return {
        "edit_runs": user_has_role(user, RUN_EDITORS),
        "approve": user_has_role(user, APPROVERS),
        "edit_rates": user_has_role(user, RATE_WRITERS),
        "dues": user_has_role(user, DUES_READERS),
        "collection": user_has_role(user, COLLECTION_READERS),
        "print": user_has_role(user, PRINT_ROLES),
        "exemptions": user_has_role(user, EXEMPTION_ROLES),
    }


def render(request, template: str, context: dict, **kwargs):
    """The page with what the user may do (the menu and buttons read it)."""
    return django_render(request, template, {"can": abilities(request.user), **context}, **kwargs)

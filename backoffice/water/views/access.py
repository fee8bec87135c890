"""Who may do what in the water supply pages (module slug "water").

The office (water supply officer, municipal admin) does the work: readings,
connections, applications, tariffs, preparing runs.  The revenue chief
alone approves a run, and may prepare and issue one.  Viewers read.  The
revenue collector reads the runs too: with the chief and the municipal
admin, the roles that print bills (PDFs, ward print batches)."""

from backoffice.billing.pdf.services import PRINT_ROLES
from backoffice.water.services import OFFICE
from tenants.permissions import role_required, user_roles

MODULE = "water"
READERS: tuple[str, ...] = (*OFFICE, "viewer")
RUN_READERS: tuple[str, ...] = (*OFFICE, "revenue_chief", "revenue_collector", "viewer")
RUN_WORKERS: tuple[str, ...] = (*OFFICE, "revenue_chief")
APPROVERS: tuple[str, ...] = ("revenue_chief",)
ANY_WATER_ROLE: tuple[str, ...] = RUN_READERS

office_required = role_required(*OFFICE, module=MODULE)
readers_required = role_required(*READERS, module=MODULE)
run_readers_required = role_required(*RUN_READERS, module=MODULE)
run_workers_required = role_required(*RUN_WORKERS, module=MODULE)
approvers_required = role_required(*APPROVERS, module=MODULE)
any_required = role_required(*ANY_WATER_ROLE, module=MODULE)
# ward print batches of a run: whoever may read bill PDFs
printers_required = role_required(*PRINT_ROLES, module=MODULE)


def abilities(user) -> dict[str, bool]:
    roles = user_roles(user)
    return {
        "read": bool(roles & set(READERS)),
        "office": bool(roles & set(OFFICE)),
        "runs": bool(roles & set(RUN_READERS)),
        "run_work": bool(roles & set(RUN_WORKERS)),
        "approve": bool(roles & set(APPROVERS)),
        # a bill's signed PDF (/api/v1/bills/NUMBER/pdf): as for holding-tax bills
        "pdf": bool(roles & set(PRINT_ROLES)),
    }

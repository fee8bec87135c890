"""/staff/fsm/: each role lands on its own page."""

from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from backoffice.fsm.views import access
from tenants.permissions import role_required

ANY_FSM_ROLE: tuple[str, ...] = tuple(
    dict.fromkeys(
        (*access.INBOX_READERS, *access.PROVIDERS, *access.CARETAKERS, *access.DUE_READERS)
    )
)


@role_required(*ANY_FSM_ROLE, module=access.MODULE)
@require_GET
def index(request):
    can = access.abilities(request.user)
    if can["inbox"]:
        return redirect("fsm:inbox")
    if can["jobs"]:
        return redirect("fsm:job_list")
    if can["arrivals"]:
        return redirect("fsm:arrival_list")
    return redirect("fsm:due_list")

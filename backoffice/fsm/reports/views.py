"""/staff/fsm/reports/: the monthly service-provider reports and their
downloads.  The office (FSM manager, municipal admin) sees every report; a
service provider's staff see their own provider's only (others: 404)."""

from django.http import FileResponse, Http404
from django.shortcuts import render

from backoffice.fsm import workflow
from backoffice.fsm.reports import selectors
from tenants.audit.services import audit_event_record
from tenants.permissions import role_required

MODULE = "fsm"
READERS = (workflow.MANAGER, workflow.ADMIN, workflow.PROVIDER)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@role_required(*READERS, module=MODULE)
def report_list(request):
    reports = selectors.reports_for_user(request.user)[:240]
    return render(request, "fsm_reports/report_list.html", {"reports": reports})


@role_required(*READERS, module=MODULE)
def report_download(request, pk: int, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    report = selectors.reports_for_user(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    audit_event_record(
        actor=request.user,
        action="fsm.report.download",
        obj=report,
        data={"format": fmt, "month": f"{report.month:%Y-%m}"},
    )
    stored = getattr(report, fmt)
    name = f"{request.tenant.code}-provider-{report.provider_id}-{report.month:%Y-%m}.{fmt}"
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt]
    )

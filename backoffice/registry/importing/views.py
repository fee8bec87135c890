"""Thin views: the list with the upload form, a job's status page (it
refreshes itself while the job runs) and the report of rejected rows."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backoffice.registry.importing.forms import ImportUploadForm
from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.schema import ANY_IMPORT_ROLE, KINDS
from backoffice.registry.importing.selectors import import_job_get, import_job_list
from backoffice.registry.importing.services import import_job_create, import_kinds_for
from tenants.permissions import role_required

MODULE = "buildings"


@role_required(*ANY_IMPORT_ROLE, module=MODULE)
def import_list(request):
    kinds = import_kinds_for(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["upload"],
                accept_valid_rows=form.cleaned_data["accept_valid_rows"],
                source_srid=form.cleaned_data["source_srid"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The file was received; the import runs in the background.")
            )
            return redirect("registry:registry_import:detail", job_id=job.pk)
    jobs = import_job_list(actor=request.user)[:50]
    columns = {kind: KINDS[kind].columns for kind in kinds}
    return render(
        request,
        "registry_import/list.html",
        {"form": form, "jobs": jobs, "columns": columns},
        status=400 if request.method == "POST" else 200,
    )


def _job(request, job_id: int) -> ImportJob:
    try:
        return import_job_get(actor=request.user, job_id=job_id)
    except ImportJob.DoesNotExist as exc:
        raise Http404 from exc


@role_required(*ANY_IMPORT_ROLE, module=MODULE)
def import_detail(request, job_id: int):
    job = _job(request, job_id)
    return render(request, "registry_import/detail.html", {"job": job})


@role_required(*ANY_IMPORT_ROLE, module=MODULE)
def import_report(request, job_id: int):
    job = _job(request, job_id)
    if not job.report:
        raise Http404
    if job.kind not in import_kinds_for(request.user):
        raise PermissionDenied
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )

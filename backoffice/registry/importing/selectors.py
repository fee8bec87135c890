"""Reads of import jobs, limited to the kinds the user may import."""

from django.db.models import QuerySet

from backoffice.registry.importing.models import ImportJob
from backoffice.registry.importing.services import import_kinds_for


def import_job_list(*, actor) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(kind__in=import_kinds_for(actor)).order_by("-created_at", "-id")


def import_job_get(*, actor, job_id: int) -> ImportJob:
    return import_job_list(actor=actor).get(pk=job_id)

from django.conf import settings

from tenants.scheduler import ReadyTenantsScheduler
from tenants.services import municipality_register


def test_beat_dispatches_to_ready_municipalities_only(db):
    municipality_register(
        actor=None,
        code="jhenaidah",
        name_en="Jhenaidah Paurashava",
        name_bn="ঝিনাইদহ পৌরসভা",
        kind="paurashava",
        domains=["jhenaidah.localhost"],
    )
    schemas = set(ReadyTenantsScheduler.get_queryset().values_list("schema_name", flat=True))
    assert schemas == {"khulna", "jashore"}
    assert settings.TENANT_BASE_SCHEMA not in schemas and "public" not in schemas


def test_every_periodic_job_goes_to_every_tenant():
    # no entry pins a schema list: each job fans out to all ready municipalities
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert "tenant_schemas" not in entry

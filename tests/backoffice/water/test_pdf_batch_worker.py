"""A water ward's print batch made by a real Celery worker: requested from
another process (committed, queued on commit), rendered, signed and stored
by the worker, found again when asked again.  In jashore, set up and
cleaned up by manage.py like the killed-worker test."""

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.billing.pdf.models import PrintBatch
from tests.backoffice.billing.pdf_support import pdf_pages, pdf_text, pdfsig
from tests.backoffice.water.test_killed_worker import _RERUN, _SETUP, _TEARDOWN
from tests.support.cleanup import manage, shell_setup
from tests.support.processes import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

WARDS, PER_WARD = 2, 3

_REQUEST = """
from django_tenants.utils import schema_context
from backoffice.registry.models import Ward
from backoffice.water.models import WaterBillRun
from backoffice.water.pdf import water_print_batch_request
with schema_context("jashore"):
    run = WaterBillRun.objects.get(pk=%(run)d)
    ward = Ward.objects.get(number=%(ward)d)
    print(water_print_batch_request(actor=None, run=run, ward=ward).pk)
"""

_BATCHES_REMOVE = """
from django_tenants.utils import schema_context
from backoffice.billing.pdf.models import PrintBatch
from tenants.audit.models import AuditEvent
with schema_context("jashore"):
    for batch in PrintBatch.objects.filter(kind="water"):
        if batch.file:
            batch.file.delete(save=False)
        batch.delete()
    AuditEvent.objects.filter(action__startswith="billing.print_batch").delete()
"""


def _state(batch_id: int) -> str | None:
    with schema_context("jashore"):
        state = PrintBatch.objects.get(pk=batch_id).state
    return state if state in (PrintBatch.State.DONE, PrintBatch.State.FAILED) else None


def test_the_worker_makes_a_water_ward_batch(celery_worker, tenant_b):
    run_id = shell_setup(_SETUP % {"wards": WARDS, "per_ward": PER_WARD}, _TEARDOWN, what="water")
    try:
        issued = manage("shell", "-c", _RERUN % {"run": run_id})
        assert f"RUN issued {WARDS * PER_WARD}" in issued.stdout, issued.stderr
        asked = manage("shell", "-c", _REQUEST % {"run": run_id, "ward": 2})
        assert asked.returncode == 0, asked.stderr
        batch_id = int(asked.stdout.strip().splitlines()[-1])
        assert wait_until(lambda: _state(batch_id), 120, "the worker's batch") == "done"
        with schema_context("jashore"):
            batch = PrintBatch.objects.select_related("ward").get(pk=batch_id)
            assert (batch.kind, batch.run_ref, batch.ward.number) == ("water", run_id, 2)
            assert batch.bills_total == batch.bills_done == PER_WARD
            with batch.file.open("rb") as handle:
                data = handle.read()
            anchor = signing.trust_anchor_pem(signing.signing_identity_active())
        assert pdf_pages(data) == PER_WARD
        text = pdf_text(data)
        assert all(f"02-001-{n:04d}-00" in text for n in range(1, PER_WARD + 1))
        assert "01-001-0001-00" not in text  # ward 1's
        report = pdfsig(data, [anchor])
        assert "Signature is Valid." in report and "Certificate is Trusted." in report
        again = manage("shell", "-c", _REQUEST % {"run": run_id, "ward": 2})
        assert int(again.stdout.strip().splitlines()[-1]) == batch_id
    finally:
        removed = manage("shell", "-c", _BATCHES_REMOVE)
        cleanup = manage("shell", "-c", _TEARDOWN)
        assert removed.returncode == 0, removed.stderr
        assert cleanup.returncode == 0, cleanup.stderr

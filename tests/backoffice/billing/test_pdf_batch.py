"""Ward print batches: queued on commit from the staff screen, made by the
task (one signed multi-page PDF, progress recorded), downloaded by staff;
idempotent; refused for a run that is not issued."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from backoffice.billing.pdf import services, signing
from backoffice.billing.pdf.models import PrintBatch
from backoffice.billing.pdf.tasks import print_batch_make_task
from tests.backoffice.billing.pdf_support import (
    OWNER_EN,
    issued_sample,
    pdf_pages,
    pdf_text,
    pdfsig,
)
from tests.conftest import login, staff_user

P = "/staff/billing/print"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path


def test_a_ward_batch_from_request_to_download(
    tenant_a, client_a, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_CHUNK", 3)  # 4 bills: two documents joined
    with schema_context(tenant_a.schema_name):
        sample = issued_sample(tenant_a, extra_ward2=3)
        ward2 = sample["ward2_bill"].holding.ward
    login(client_a, tenant_a, "revenue_collector")
    page = client_a.get(f"{P}/")
    assert page.status_code == 200 and "2026-Q4" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_a.post(f"{P}/", {"run": sample["run"].pk, "ward": ward2.pk})
    assert response.status_code == 302 and len(queued) == 1
    with schema_context(tenant_a.schema_name):
        batch = PrintBatch.objects.get()
        assert batch.state == PrintBatch.State.QUEUED and batch.ward == ward2
        assert "4 bills" in print_batch_make_task.run(batch.pk)
        batch.refresh_from_db()
        assert batch.state == PrintBatch.State.DONE and batch.progress == 100
        assert batch.bills_total == batch.bills_done == 4
        anchor = signing.trust_anchor_pem(signing.signing_identity_active())
        # Asking again gives the same batch, nothing queued.
        with django_capture_on_commit_callbacks(execute=False) as again:
            same = services.print_batch_request(
                actor=staff_user(tenant_a, "revenue_chief"), run=sample["run"], ward=ward2
            )
        assert same.pk == batch.pk and again == []
    assert "Done" in client_a.get(response["Location"]).content.decode()
    download = client_a.get(f"{P}/{batch.pk}/download/")
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert pdf_pages(data) == 4
    text = pdf_text(data)
    assert all(f"2026-Q4-00000{i}" in text for i in (2, 3, 4, 5))
    assert "2026-Q4-000001" not in text and OWNER_EN not in text  # ward 1's bill
    report = pdfsig(data, [anchor])
    assert "Signature is Valid." in report and "Certificate is Trusted." in report


def test_a_failed_batch_can_be_asked_again(tenant_a, django_capture_on_commit_callbacks):
    with schema_context(tenant_a.schema_name):
        sample = issued_sample(tenant_a)
        ward = sample["home"].ward
        batch = PrintBatch.objects.create(
            run=sample["run"], ward=ward, state=PrintBatch.State.FAILED, error="killed"
        )
        with django_capture_on_commit_callbacks(execute=False) as queued:
            again = services.print_batch_request(
                actor=staff_user(tenant_a, "revenue_chief"), run=sample["run"], ward=ward
            )
        assert again.pk == batch.pk and again.state == PrintBatch.State.QUEUED
        assert len(queued) == 1
        services.print_batch_make(batch_id=batch.pk)
        batch.refresh_from_db()
        assert batch.state == PrintBatch.State.DONE and batch.error == ""


def test_a_run_that_is_not_issued_is_not_printed(tenant_a):
    from backoffice.billing import services as billing
    from tests.backoffice.billing.test_services import period_make

    with schema_context(tenant_a.schema_name):
        sample = issued_sample(tenant_a)
        run = billing.bill_run_prepare(
            actor=staff_user(tenant_a, "revenue_collector"), period=period_make(2027, 1)
        )
        with pytest.raises(ValidationError):
            services.print_batch_request(actor=None, run=run, ward=sample["home"].ward)

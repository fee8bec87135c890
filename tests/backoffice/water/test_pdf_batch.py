"""Ward print batches of a water bill run through billing's batch task:
started from the run page (queued on commit), one signed multi-page PDF of
the ward's issued bills by connection number (cancellations left out),
reused when asked again, downloaded by the roles that may print; the other
municipality sees nothing of it.  Both municipalities."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from backoffice.billing.pdf import services, signing
from backoffice.billing.pdf.models import PrintBatch
from backoffice.billing.pdf.tasks import print_batch_make_task
from backoffice.registry.models import Ward
from backoffice.water import runs
from backoffice.water.models import WaterBill
from backoffice.water.pdf import water_print_batch_request
from tests.backoffice.billing.pdf_support import pdf_pages, pdf_text, pdfsig
from tests.backoffice.water.bill_pdf_support import OWNER_EN, water_bills_issued
from tests.conftest import login, staff_user
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

PRINTERS = {"revenue_chief", "revenue_collector", "municipal_admin"}
W = "/staff/water/runs"


@pytest.fixture(params=["tenant_a", "tenant_b"])
def sample(request, settings, tmp_path):
    """November's run in one municipality (two bills in ward 1), and the
    other municipality."""
    settings.IMIS_PRIVATE_MEDIA_ROOT = tmp_path
    tenant = request.getfixturevalue(request.param)
    other = request.getfixturevalue("tenant_b" if request.param == "tenant_a" else "tenant_a")
    with schema_context(tenant.schema_name):
        issued = water_bills_issued(tenant)
        run = issued["november"].run
        ward = Ward.objects.get(number=1)
    return {**issued, "tenant": tenant, "other": other, "run": run, "ward": ward}


def _pages(data: bytes) -> list[str]:
    return [" ".join(page.split()) for page in pdf_text(data).split("\f") if page.strip()]


def _make(tenant, run, ward, actor_role: str = "revenue_chief") -> PrintBatch:
    with schema_context(tenant.schema_name):
        batch = water_print_batch_request(actor=staff_user(tenant, actor_role), run=run, ward=ward)
        print_batch_make_task.run(batch.pk)
        batch.refresh_from_db()
        return batch


def test_run_page_starts_the_batch_and_the_signed_pdf_downloads(
    sample, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_CHUNK", 1)  # two bills: two documents joined
    tenant, run = sample["tenant"], sample["run"]
    client = login(Client(HTTP_HOST=host_of(tenant.schema_name)), tenant, "revenue_chief")
    page = client.get(f"{W}/{run.pk}/").content.decode()
    assert 'class="print-batch" data-ward="1"' in page and "Print batch" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"{W}/{run.pk}/print/", {"ward": "1"})
    assert response.status_code == 302 and len(queued) == 1
    with schema_context(tenant.schema_name):
        batch = PrintBatch.objects.get()
        assert (batch.kind, batch.run_ref, batch.run_id) == ("water", run.pk, None)
        assert batch.state == PrintBatch.State.QUEUED and batch.ward == sample["ward"]
        assert response["Location"] == f"{W}/{run.pk}/print/{batch.pk}/"
        assert "2 bills" in print_batch_make_task.run(batch.pk)
        batch.refresh_from_db()
        assert batch.state == PrintBatch.State.DONE and batch.progress == 100
        assert batch.bills_total == batch.bills_done == 2
        anchor = signing.trust_anchor_pem(signing.signing_identity_active())
        bills = list(
            WaterBill.objects.filter(run=run)
            .select_related("connection")
            .order_by("connection__number")
        )
    status = client.get(response["Location"]).content.decode()
    assert "Done" in status and f"{W}/{run.pk}/print/{batch.pk}/download/" in status
    # asked again from the page: the same batch, nothing queued
    with django_capture_on_commit_callbacks(execute=False) as again:
        response = client.post(f"{W}/{run.pk}/print/", {"ward": "1"})
    assert again == [] and response["Location"] == f"{W}/{run.pk}/print/{batch.pk}/"
    assert "Download the print batch" in client.get(f"{W}/{run.pk}/").content.decode()
    download = client.get(f"{W}/{run.pk}/print/{batch.pk}/download/")
    assert download.status_code == 200
    assert f"{tenant.code}-water-2026-11-ward-1.pdf" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert pdf_pages(data) == len(bills) == 2
    pages = _pages(data)
    for bill, text in zip(bills, pages, strict=True):  # one page a bill, by connection
        assert bill.number in text and bill.connection.number in text
        assert f"{bill.total:,.2f}" in text or str(bill.total) in text
    metered = pages[[b.pk for b in bills].index(sample["november"].pk)]
    assert "497.50" in metered and OWNER_EN in metered
    report = pdfsig(data, [anchor])
    assert "Signature is Valid." in report and "Certificate is Trusted." in report
    # the other municipality: neither the page nor the file
    other = sample["other"]
    stranger = login(Client(HTTP_HOST=host_of(other.schema_name)), other, "revenue_chief")
    assert stranger.get(f"{W}/{run.pk}/print/{batch.pk}/").status_code == 404
    assert stranger.get(f"{W}/{run.pk}/print/{batch.pk}/download/").status_code == 404
    with schema_context(other.schema_name):
        assert not PrintBatch.objects.exists()


def test_cancellations_are_left_out_and_an_empty_ward_fails(sample):
    tenant, run, ward = sample["tenant"], sample["run"], sample["ward"]
    with schema_context(tenant.schema_name):
        cancellation = runs.water_bill_cancel(
            actor=staff_user(tenant, "revenue_chief"), bill=sample["flat_bill"], reason="wrong"
        )
        assert cancellation.run_id == run.pk
    batch = _make(tenant, run, ward)
    assert batch.state == PrintBatch.State.DONE and batch.bills_total == 1
    with schema_context(tenant.schema_name):
        data = batch.file.open("rb").read()
    text = " ".join(pdf_text(data).split())
    assert pdf_pages(data) == 1 and sample["november"].number in text
    assert sample["flat_bill"].number not in text and cancellation.number not in text
    with schema_context(tenant.schema_name):
        empty = Ward.objects.get(number=2)
    failed = _make(tenant, run, empty)
    assert failed.state == PrintBatch.State.FAILED and "no bills" in failed.error
    assert not failed.file


def test_role_matrix_of_the_batch_pages(sample):
    tenant, run = sample["tenant"], sample["run"]
    batch = _make(tenant, run, sample["ward"])
    before = batch.created_at
    rows = [
        MatrixRow(f"{W}/{run.pk}/print/{batch.pk}/", allowed=PRINTERS),
        MatrixRow(f"{W}/{run.pk}/print/{batch.pk}/download/", allowed=PRINTERS),
        MatrixRow(f"{W}/{run.pk}/print/{batch.pk + 1000}/", allowed=PRINTERS, ok=404),
        MatrixRow(f"{W}/{run.pk + 1000}/print/{batch.pk}/", allowed=PRINTERS, ok=404),
        # asking again finds the batch; a ward that does not exist goes back
        MatrixRow(
            f"{W}/{run.pk}/print/", allowed=PRINTERS, method="post", data={"ward": "1"}, ok=302
        ),
        MatrixRow(
            f"{W}/{run.pk}/print/", allowed=PRINTERS, method="post", data={"ward": "99"}, ok=302
        ),
        MatrixRow(f"{W}/{run.pk}/print/", allowed=PRINTERS, ok=405),
    ]
    assert_role_matrix(tenant, host_of(tenant.schema_name), rows)
    with schema_context(tenant.schema_name):
        assert list(PrintBatch.objects.values_list("pk", "created_at")) == [(batch.pk, before)]


@pytest.mark.parametrize("role", ["water_officer", "viewer", "revenue_chief", "revenue_collector"])
def test_the_print_column_is_for_those_who_may_print(sample, role):
    tenant, run = sample["tenant"], sample["run"]
    client = login(Client(HTTP_HOST=host_of(tenant.schema_name)), tenant, role)
    page = client.get(f"{W}/{run.pk}/").content.decode()
    assert ('class="print-batch"' in page) == (role in PRINTERS)


def test_a_run_not_issued_is_not_printed(sample):
    from django.core.exceptions import ValidationError

    tenant = sample["tenant"]
    with schema_context(tenant.schema_name):
        october = sample["october"].run
        october.state = "approved"  # not saved: the check reads the object
        with pytest.raises(ValidationError):
            water_print_batch_request(actor=None, run=october, ward=sample["ward"])
        assert not PrintBatch.objects.exists()

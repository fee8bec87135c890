"""Signed bill PDFs, made on demand and cached; ward print batches.

A bill never changes once issued and its PDF shows nothing that changes
later (no payment status), so the signed file is cached for good in the
municipality's private storage under the bill number, the copy (full or
public) and a content version (template version, signing certificate,
logo): installing a new certificate or logo, or changing the template,
makes new files; nothing needs invalidating."""

import hashlib
import os
import tempfile

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.billing.models import Bill, BillRun
from backoffice.billing.pdf import rendering, signing
from backoffice.billing.pdf.documents import bill_kind
from backoffice.billing.pdf.models import PrintBatch
from backoffice.registry.importing.storage import private_storage
from backoffice.registry.models import Ward
from tenants.audit.services import audit_event_record

PRINT_ROLES = ("revenue_chief", "revenue_collector", "municipal_admin")
REASON = "Holding tax bill issued by the municipality"
BATCH_CHUNK = 500  # bills rendered per WeasyPrint document before the pages are joined


def _content_version(
    head: rendering.Letterhead,
    loaded: signing.LoadedSigner,
    template_version: str = rendering.TEMPLATE_VERSION,
) -> str:
    raw = f"{template_version}|{loaded.fingerprint}|{head.logo_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _cache_name(bill, copy: str, version: str) -> str:
    # The row's id and issue time too: a number is never reused, but a
    # restored backup must not meet PDFs made from rows it does not hold.
    row = hashlib.sha256(f"{bill.pk}|{bill.issued_at.isoformat()}".encode()).hexdigest()[:8]
    return f"bill-pdfs/{bill.number[:7]}/{bill.number}.{copy}.{version}{row}.pdf"


def _write_atomic(storage, name: str, data: bytes) -> None:
    """Concurrent makers of the same file both succeed; readers never see
    half a file (a rename within the folder is atomic)."""
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def bill_pdf_make(*, bill: Bill, copy: str = rendering.COPY_FULL) -> bytes:
    """Render and sign one bill (no cache)."""
    head = rendering.letterhead_current()
    loaded = signing.signer_current()
    return _render_sign([bill], head=head, loaded=loaded, copy=copy)


def html_sign(html: str, *, head, loaded, reason: str = REASON) -> bytes:
    """``html`` rendered by WeasyPrint and signed by ``loaded``."""
    return signing.pdf_sign(
        rendering.html_to_pdf(html), loaded=loaded, reason=reason, location=head.name_en
    )


def _render_sign(bills, *, head, loaded, copy) -> bytes:
    return html_sign(rendering.bills_html(bills, head=head, copy=copy), head=head, loaded=loaded)


def document_pdf_cached(*, document, copy: str, template_version: str, make) -> bytes:
    """The signed PDF of an issued, immutable document (a holding-tax bill,
    or another kind of bill: it needs ``number``, ``pk`` and ``issued_at``)
    from the cache, or ``make(head, loaded)`` now and cached.  The document's
    template version is part of the content version."""
    if copy not in rendering.COPIES:
        raise ValueError(copy)
    head = rendering.letterhead_current()
    loaded = signing.signer_current()
    storage = private_storage()
    name = _cache_name(document, copy, _content_version(head, loaded, template_version))
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        pass
    data = make(head, loaded)
    _write_atomic(storage, name, data)
    return data


def bill_pdf(*, bill: Bill, copy: str = rendering.COPY_FULL) -> bytes:
    """The bill's signed PDF: from the cache, or made now and cached."""

    def make(head, loaded) -> bytes:
        printed = bill
        if not hasattr(bill.holding, "owner_links"):
            printed = rendering.bills_for_print(Bill.objects.filter(pk=bill.pk)).get()
        return _render_sign([printed], head=head, loaded=loaded, copy=copy)

    return document_pdf_cached(
        document=bill, copy=copy, template_version=rendering.TEMPLATE_VERSION, make=make
    )


# --- Ward print batches --------------------------------------------------------


def print_batch_request(*, actor, run: BillRun, ward: Ward) -> PrintBatch:
    """The ward's batch of ``run``: queued now, or the existing one (a failed
    batch is queued again)."""
    if run.state != BillRun.State.ISSUED:
        raise ValidationError(_("Only an issued bill run can be printed."))
    return _batch_queue(actor=actor, ward=ward, lookup={"run": run}, label=str(run))


def print_batch_request_kind(*, actor, kind: str, run_ref: int, ward: Ward, label: str):
    """The same for another kind of bill's run (``documents.BillKind`` with
    batch hooks; the kind checks its run is issued before asking)."""
    if bill_kind(kind).batch is None:
        raise ValueError(kind)
    lookup = {"kind": kind, "run_ref": run_ref}
    return _batch_queue(actor=actor, ward=ward, lookup=lookup, label=label)


@transaction.atomic
def _batch_queue(*, actor, ward: Ward, lookup: dict, label: str) -> PrintBatch:
    from backoffice.billing.pdf.tasks import print_batch_make_task

    batch, created = PrintBatch.objects.select_for_update().get_or_create(
        ward=ward, **lookup, defaults={"requested_by": actor}
    )
    if not created and batch.state != PrintBatch.State.FAILED:
        return batch
    if not created:
        batch.state, batch.error, batch.bills_done = PrintBatch.State.QUEUED, "", 0
        batch.requested_by = actor
        batch.save(update_fields=["state", "error", "bills_done", "requested_by"])
    audit_event_record(
        actor=actor,
        action="billing.print_batch_requested",
        obj=batch,
        data={"kind": batch.kind, "run": label, "ward": ward.number},
    )
    transaction.on_commit(lambda: print_batch_make_task.delay(batch.pk))
    return batch


def _batch_update(batch: PrintBatch, **fields) -> None:
    for key, value in fields.items():
        setattr(batch, key, value)
    PrintBatch.objects.filter(pk=batch.pk).update(**fields)


def ward_bills(*, run_id: int, ward_id: int):
    return rendering.bills_for_print(
        Bill.objects.filter(run_id=run_id, holding__ward_id=ward_id).order_by("number")
    )


def _batch_source(batch: PrintBatch):
    """(documents in print order, html(chunk, head), reason, file label)."""
    if batch.kind == PrintBatch.HOLDING_TAX:

        def html(chunk, head) -> str:
            return rendering.bills_html(chunk, head=head, copy=rendering.COPY_FULL)

        bills = ward_bills(run_id=batch.run_id, ward_id=batch.ward_id)
        return bills, html, REASON, str(batch.run.period)
    hooks = bill_kind(batch.kind).batch
    documents = hooks.documents(batch.run_ref, batch.ward_id)
    return documents, hooks.html, hooks.reason, hooks.label(batch.run_ref)


def print_batch_make(*, batch_id: int) -> PrintBatch:
    """Render the batch's bills in chunks (progress after each), join the
    pages into one document, sign it once and store it.  Running it again
    on a finished batch does nothing; a killed run simply starts over."""
    batch = PrintBatch.objects.select_related("run", "ward").get(pk=batch_id)
    if batch.state == PrintBatch.State.DONE:
        return batch
    try:
        head = rendering.letterhead_current()
        loaded = signing.signer_current()
        bills, html_of, reason, label = _batch_source(batch)
        _batch_update(
            batch, state=PrintBatch.State.RUNNING, bills_total=bills.count(), bills_done=0
        )
        documents, done = [], 0
        ids = list(bills.values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_CHUNK):
            chunk = list(bills.filter(pk__in=ids[start : start + BATCH_CHUNK]))
            documents.append(rendering.html_render(html_of(chunk, head)))
            done += len(chunk)
            _batch_update(batch, bills_done=done)
        if not documents:
            raise ValidationError(_("This ward has no bills in this run."))
        pages = [page for document in documents for page in document.pages]
        pdf = documents[0].copy(pages).write_pdf()
        signed = signing.pdf_sign(pdf, loaded=loaded, reason=reason, location=head.name_en)
        name = f"bill-batches/{label}/ward-{batch.ward.number}-{batch.pk}.pdf"
        batch.file.save(name, ContentFile(signed), save=False)
        _batch_update(
            batch,
            file=batch.file.name,
            state=PrintBatch.State.DONE,
            finished_at=timezone.now(),
            error="",
        )
        audit_event_record(
            actor=None,
            action="billing.print_batch_made",
            obj=batch,
            data={
                "kind": batch.kind,
                "bills": done,
                "pages": len(pages),
                "schema": connection.schema_name,
            },
        )
    except Exception as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _batch_update(
            batch, state=PrintBatch.State.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        if not isinstance(exc, ValidationError):
            raise
    return batch

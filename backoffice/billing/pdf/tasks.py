"""Ward print batches run in a worker (tasks take ids)."""

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="backoffice.billing.pdf.tasks.print_batch_make_task")
def print_batch_make_task(batch_id: int) -> str:
    from backoffice.billing.pdf.services import print_batch_make

    batch = print_batch_make(batch_id=batch_id)
    return (
        f"print batch {batch.pk} (ward {batch.ward.number}): "
        f"{batch.state}, {batch.bills_done} bills"
    )

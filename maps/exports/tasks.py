"""Background exports of a layer or a tool result (big ones)."""

from tenants.celery import JobTask, app


@app.task(base=JobTask, name="maps.exports.tasks.export_job_run_task")
def export_job_run_task(job_id: str) -> str:
    from maps.exports.services import export_job_run

    job = export_job_run(job_id=job_id)
    if job is None:
        return f"map export {job_id}: gone"
    return f"map export {job_id}: {job.state}, {job.rows} rows ({job.format})"

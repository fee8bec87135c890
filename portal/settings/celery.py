"""Celery + Redis integration.  Beat has no tenant: the scheduler fans every
periodic job out to each ready municipality (tenants.scheduler)."""

from datetime import timedelta

from celery.schedules import crontab

from portal.settings.env import env_bool, env_str

_REDIS = env_str("IMIS_REDIS_URL", "redis://127.0.0.1:56379/0")

CELERY_BROKER_URL = env_str("IMIS_CELERY_BROKER_URL", _REDIS)
CELERY_RESULT_BACKEND = env_str("IMIS_CELERY_RESULT_URL", _REDIS.rsplit("/", 1)[0] + "/2")
CELERY_TASK_ALWAYS_EAGER = env_bool("IMIS_CELERY_EAGER", False)
CELERY_TASK_ACKS_LATE = True  # a killed worker's task is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = "Asia/Dhaka"
# Keep Django's LOGGING (with the schema on every line) in workers too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "tenants.scheduler:ReadyTenantsScheduler"
# Entries without "tenant_schemas" go to every ready municipality.
CELERY_BEAT_SCHEDULE = {
    "sessions-clear": {
        "task": "tenants.tasks.sessions_clear_task",
        "schedule": timedelta(hours=6),
    },
    "tenant-heartbeat": {
        "task": "tenants.tasks.tenant_heartbeat_task",
        "schedule": timedelta(minutes=15),
    },
    # One-time codes (and the phone numbers in them) are kept for a day.
    "otp-purge": {
        "task": "citizen.tasks.otp_purge_task",
        "schedule": timedelta(hours=24),
    },
    # SMS whose send task was lost are queued again (sending is idempotent).
    "sms-requeue-stale": {
        "task": "backoffice.notifications.tasks.sms_requeue_stale_task",
        "schedule": timedelta(minutes=10),
    },
    # Hourly everywhere; each municipality acts on its own local 1st of the month.
    "fsm-monthly-reports": {
        "task": "backoffice.fsm.reports.tasks.monthly_reports_check_task",
        "schedule": crontab(minute=5),
    },
    # Pending online payments are checked with the gateway (settles lost IPNs).
    "payments-reconcile": {
        "task": "backoffice.payments.tasks.payment_reconcile_task",
        "schedule": timedelta(minutes=15),
    },
}

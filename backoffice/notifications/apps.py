from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Outgoing SMS: bilingual templates, an outbox that is also the delivery
    log, a Celery task with retries, and the SSL Wireless gateway adapter."""

    name = "backoffice.notifications"
    label = "notifications"

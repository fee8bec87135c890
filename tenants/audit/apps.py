from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: in the public schema for operators, in each
    municipality's schema for its staff."""

    name = "tenants.audit"
    label = "audit"

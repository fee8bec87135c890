from typing import Any

from tenants.audit.models import AuditEvent


def audit_event_record(
    *, actor: Any, action: str, obj: Any = None, data: dict | None = None
) -> AuditEvent:
    """Add one audit row in the current schema.  Call inside the service's
    transaction so the row exists exactly when the change does."""
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )

"""API tokens: make, revoke, look up.  Writes are audited."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from maps.models import ApiToken
from tenants.audit.services import audit_event_record

TOKEN_PREFIX = "imis_"  # noqa: S105 (a marker, not a secret)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, actor) -> str:
    """A new token for ``user`` (any active one is revoked); returns the
    token itself, which is stored only as a hash."""
    now = timezone.now()
    ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now
    )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, key_hash=_hash(key), prefix=key[: len(TOKEN_PREFIX) + 4])
    token.full_clean()
    token.save()
    audit_event_record(actor=actor, action="maps.api_token_create", obj=token)
    return key


@transaction.atomic
def api_token_revoke(*, user, actor) -> int:
    """Revoke the user's active token; returns how many were revoked."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event_record(actor=actor, action="maps.api_token_revoke", obj=token)
    return len(tokens)


def api_token_active(*, user) -> ApiToken | None:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).first()


def token_user(key: str):
    """The active user a token belongs to in this municipality, or None."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

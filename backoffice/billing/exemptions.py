"""Exemptions from holding tax: granted and ended by the revenue chief or the
municipal admin, each change audited.  An exempted holding's bill in a run
whose period overlaps the exemption carries zero current charges; arrears
(and their surcharge) stay owed.  The issue SQL (``services.ISSUE_SQL``)
applies the same overlap rule as :func:`exemption_covers`."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.billing.models import Exemption
from backoffice.registry.models import Holding
from tenants.audit.services import audit_event_record
from tenants.permissions import user_has_role

EXEMPTION_ROLES = ("revenue_chief", "municipal_admin")


def _allowed(actor) -> None:
    if not user_has_role(actor, EXEMPTION_ROLES):
        raise PermissionDenied(
            _("Only the revenue chief or the municipal admin grants exemptions.")
        )


def _overlapping(starts_on: datetime.date, ends_on: datetime.date | None) -> Q:
    """Exemptions covering at least one day of ``starts_on``..``ends_on``
    (``ends_on`` None: open-ended)."""
    q = Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    if ends_on is not None:
        q &= Q(starts_on__lte=ends_on)
    return q


@transaction.atomic
def exemption_grant(
    *,
    actor,
    holding: Holding,
    reason: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> Exemption:
    """Exempt ``holding`` from ``starts_on`` (to ``ends_on``, or until ended).
    A holding has at most one exemption on any day: an overlapping grant is
    refused (end the other one first)."""
    _allowed(actor)
    # The holding's row lock serialises two grants for the same holding.
    holding = Holding.objects.select_for_update().get(pk=holding.pk)
    exemption = Exemption(
        holding=holding,
        reason=reason,
        note=(note or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        granted_by=actor,
        granted_at=timezone.now(),
    )
    exemption.full_clean()
    if holding.exemptions.filter(_overlapping(starts_on, ends_on)).exists():
        raise ValidationError(_("This holding already has an exemption in that time."))
    exemption.save()
    audit_event_record(
        actor=actor,
        action="billing.exemption_granted",
        obj=exemption,
        data={
            "holding": holding.code,
            "reason": reason,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    return exemption


@transaction.atomic
def exemption_end(*, actor, exemption: Exemption, ends_on: datetime.date) -> Exemption:
    """End ``exemption`` on ``ends_on`` (its last exempt day).  An exemption
    is ended once; the end may not come before its start, nor after an end
    date it was granted with."""
    _allowed(actor)
    exemption = Exemption.objects.select_for_update().select_related("holding").get(pk=exemption.pk)
    if exemption.ended_at is not None:
        raise ValidationError(_("This exemption has already been ended."))
    if ends_on < exemption.starts_on:
        raise ValidationError(_("An exemption cannot end before it starts."))
    if exemption.ends_on is not None and ends_on > exemption.ends_on:
        raise ValidationError(_("An exemption can only be ended earlier than it was granted."))
    old = exemption.ends_on
    exemption.ends_on, exemption.ended_by, exemption.ended_at = ends_on, actor, timezone.now()
    exemption.full_clean()
    exemption.save(update_fields=["ends_on", "ended_by", "ended_at"])
    audit_event_record(
        actor=actor,
        action="billing.exemption_ended",
        obj=exemption,
        data={
            "holding": exemption.holding.code,
            "ends_on": ends_on.isoformat(),
            "was": old.isoformat() if old else None,
        },
    )
    return exemption


def exemptions_active(*, on: datetime.date) -> QuerySet[Exemption]:
    """Exemptions in force on the day ``on``."""
    return (
        Exemption.objects.select_related("holding", "granted_by", "ended_by")
        .filter(_overlapping(on, on))
        .order_by("holding__code")
    )


def exemptions_overlapping(*, starts_on: datetime.date, ends_on: datetime.date):
    """Exemptions covering any day of ``starts_on``..``ends_on`` (a billing period)."""
    return Exemption.objects.filter(_overlapping(starts_on, ends_on))


def exemption_covers(holding_id: int, *, starts_on: datetime.date, ends_on: datetime.date) -> bool:
    return (
        exemptions_overlapping(starts_on=starts_on, ends_on=ends_on)
        .filter(holding_id=holding_id)
        .exists()
    )

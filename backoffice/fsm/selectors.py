"""FSM reads: inbox counts, who sees which job, SLA due lists, due-for-emptying.

Every selector runs in the connection's municipality schema; the SLA hours
and "today" are that municipality's (``backoffice.fsm.sla``)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from backoffice.fsm import sla, workflow
from backoffice.fsm.models import (
    Containment,
    ContainmentBuilding,
    EmptyingApplication,
    ProviderMember,
    TreatmentPlant,
)
from backoffice.registry.codes import phone_normalise
from tenants.permissions import user_roles

OFFICE_ROLES = frozenset({workflow.MANAGER, workflow.ADMIN})


def application_sla_deadline(application: EmptyingApplication, *, sla_hours=None):
    """When the application's current state breaches its SLA (None: no clock)."""
    return sla.deadline(application.state, application.state_changed_at, hours=sla_hours)


def _overdue_condition(now, hours: dict, *, prefix: str = "") -> Q:
    """At or past the deadline (as ``sla.due``)."""
    condition = Q(pk__in=[])
    for state, allowed in hours.items():
        if allowed is not None and state not in workflow.FINAL_STATES:
            condition |= Q(
                **{
                    f"{prefix}state": state,
                    f"{prefix}state_changed_at__lte": now - datetime.timedelta(hours=allowed),
                }
            )
    return condition


def _due_soon_condition(now, hours: dict) -> Q:
    """Not overdue yet but within the last quarter of the allowed time."""
    condition = Q(pk__in=[])
    for state, allowed in hours.items():
        if allowed is not None and state not in workflow.FINAL_STATES:
            late = now - datetime.timedelta(hours=allowed)
            soon = now - datetime.timedelta(hours=allowed * (1 - sla.DUE_SOON_FRACTION))
            condition |= Q(state=state, state_changed_at__gt=late, state_changed_at__lte=soon)
    return condition


def applications_overdue(*, now=None, sla_hours=None) -> QuerySet[EmptyingApplication]:
    """Open applications whose current state has outlived its SLA."""
    now = now or timezone.now()
    hours = sla_hours if sla_hours is not None else sla.sla_hours()
    return EmptyingApplication.objects.filter(_overdue_condition(now, hours))


def applications_emptied_not_disposed(*, older_than_hours: int | None = None, now=None):
    """Emptied loads no treatment plant has confirmed yet (oldest first)."""
    queryset = EmptyingApplication.objects.filter(state=workflow.EMPTIED)
    if older_than_hours is not None:
        now = now or timezone.now()
        queryset = queryset.filter(emptied_at__lt=now - datetime.timedelta(hours=older_than_hours))
    return queryset.select_related("provider", "vehicle", "plant").order_by("emptied_at", "pk")


def containments_due(*, within_days: int, today=None, ward=None, now=None) -> QuerySet[Containment]:
    """Containments whose next emptying falls within ``within_days`` (or is
    past); "today" is the municipality's unless given."""
    today = today or sla.municipality_today(now)
    queryset = Containment.objects.filter(
        next_due_on__lte=today + datetime.timedelta(days=within_days)
    )
    if ward is not None:  # a building it serves is in the ward (no join fan-out)
        queryset = queryset.filter(
            Exists(
                ContainmentBuilding.objects.filter(containment=OuterRef("pk"), building__ward=ward)
            )
        )
    return queryset.order_by("next_due_on", "code")


_DUE_PAGE_SQL = """
SELECT c.code, t.name_en, t.name_bn, c.volume_m3, c.last_emptied_on, c.next_due_on,
       r.bin, r.ward_number
FROM {containment} c
JOIN {type} t ON t.id = c.containment_type_id
LEFT JOIN LATERAL (
    SELECT b.bin, w.number AS ward_number
    FROM {link} cb
    JOIN {building} b ON b.id = cb.building_id
    JOIN {ward} w ON w.id = b.ward_id
    WHERE cb.containment_id = c.id
    ORDER BY cb.responsible DESC, b.bin
    LIMIT 1
) r ON true
WHERE c.next_due_on <= %s {ward_filter} {after}
ORDER BY c.next_due_on, c.code
LIMIT %s
"""
_DUE_WARD_FILTER = """AND EXISTS (SELECT 1 FROM {link} x JOIN {building} xb ON xb.id = x.building_id
 WHERE x.containment_id = c.id AND xb.ward_id = %s)"""


def containments_due_page(
    *, within_days: int, ward=None, after: tuple | None = None, limit: int = 50, today=None
) -> list[dict]:
    """One page of :func:`containments_due` as rows for the list, in one
    statement: ID, type (in the active language), volume, last emptied,
    next due, and the responsible building's BIN and ward.  ``after`` is
    the (next due, ID) of the previous page's last row."""
    from django.utils.translation import get_language

    from backoffice.fsm.models import ContainmentType
    from backoffice.registry.models import Building, Ward

    today = today or sla.municipality_today()
    quote = connection.ops.quote_name
    tables = {
        "containment": quote(Containment._meta.db_table),
        "type": quote(ContainmentType._meta.db_table),
        "link": quote(ContainmentBuilding._meta.db_table),
        "building": quote(Building._meta.db_table),
        "ward": quote(Ward._meta.db_table),
    }
    params: list = [today + datetime.timedelta(days=within_days)]
    ward_filter = after_filter = ""
    if ward is not None:
        ward_filter = _DUE_WARD_FILTER.format(**tables)
        params.append(ward.pk)
    if after is not None:
        after_filter = "AND (c.next_due_on, c.code) > (%s, %s)"
        params += list(after)
    params.append(limit)
    statement = _DUE_PAGE_SQL.format(**tables, ward_filter=ward_filter, after=after_filter)
    bangla = (get_language() or "").startswith("bn")
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [
            {
                "code": code,
                "containment_type": (name_bn if bangla and name_bn else name_en),
                "volume_m3": volume,
                "last_emptied_on": last_emptied,
                "next_due_on": next_due,
                "bin": bin_,
                "ward_number": ward_number,
            }
            for code, name_en, name_bn, volume, last_emptied, next_due, bin_, ward_number in (
                cursor.fetchall()
            )
        ]


def applications_for_user(user) -> QuerySet[EmptyingApplication]:
    """The applications a staff user may see: the office all; a service
    provider's staff only their provider's jobs; a caretaker only jobs
    heading to, emptied for or disposed at their plant, and emptied loads no
    plant was named for (so a truck arriving anyway can be confirmed); a
    revenue collector the assessed jobs awaiting the fee and those whose fee
    they settled; anyone else none."""
    roles = user_roles(user)
    queryset = EmptyingApplication.objects.all()
    if roles & OFFICE_ROLES:
        return queryset
    visible = Q(pk__in=[])
    if workflow.PROVIDER in roles:
        visible |= Q(
            Exists(
                ProviderMember.objects.filter(user_id=user.pk, provider_id=OuterRef("provider_id"))
            )
        )
    if workflow.CARETAKER in roles:
        at_plant = Q(plant__in=TreatmentPlant.objects.filter(caretaker_id=user.pk))
        visible |= at_plant & (
            Q(state__in=[workflow.SCHEDULED, workflow.EMPTIED])
            | Q(state=workflow.CLOSED, disposed_at__isnull=False)
        )
        visible |= Q(state=workflow.EMPTIED, plant__isnull=True)
    if "revenue_collector" in roles:
        visible |= Q(state=workflow.ASSESSED) | Q(fee_settled_by_id=user.pk)
    return queryset.filter(visible)


def application_visible(user, pk) -> EmptyingApplication | None:
    """One application if ``user`` may see it (None otherwise)."""
    return applications_for_user(user).filter(pk=pk).first()


def plants_for_caretaker(user) -> QuerySet[TreatmentPlant]:
    return TreatmentPlant.objects.filter(caretaker_id=getattr(user, "pk", None))


# One statement: each state's SLA comes in as two arrays (state, allowed
# time), so the counts need no per-state OR chains (building those through
# the ORM cost more than running the query: 2.6x the raw SQL at Khulna scale).
_INBOX_COUNTS_SQL = """
SELECT a.state, count(*),
       count(*) FILTER (WHERE a.state_changed_at <= %s - sla.allowed),
       count(*) FILTER (WHERE a.state_changed_at > %s - sla.allowed
                          AND a.state_changed_at <= %s - sla.allowed * %s)
FROM {table} a
LEFT JOIN unnest(%s::text[], %s::interval[]) AS sla(state, allowed) ON sla.state = a.state
{where}
GROUP BY a.state
"""


def inbox_counts(*, now=None, sla_hours=None, queryset=None) -> dict[str, dict[str, int]]:
    """Per state: {"total", "overdue", "due_soon"}, in one query.  Every state
    of workflow.STATES is present (zeros included), in table order.
    ``queryset`` limits the counts to what a user may see."""
    now = now or timezone.now()
    hours = sla_hours if sla_hours is not None else sla.sla_hours()
    clocked = [
        (state, datetime.timedelta(hours=allowed))
        for state, allowed in hours.items()
        if allowed is not None and state not in workflow.FINAL_STATES
    ]
    where, where_params = "", []
    if queryset is not None:
        inner, where_params = queryset.order_by().values("pk").query.sql_with_params()
        where = f"WHERE a.id IN ({inner})"
    statement = _INBOX_COUNTS_SQL.format(
        table=connection.ops.quote_name(EmptyingApplication._meta.db_table), where=where
    )
    params = [
        now,
        now,
        now,
        1 - sla.DUE_SOON_FRACTION,
        [state for state, _ in clocked],
        [allowed for _, allowed in clocked],
        *where_params,
    ]
    counts = {state: {"total": 0, "overdue": 0, "due_soon": 0} for state in workflow.STATES}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for state, total, overdue, due_soon in cursor.fetchall():
            counts[state] = {"total": total, "overdue": overdue, "due_soon": due_soon}
    return counts


def applications_in_state(
    state: str | None = None, *, queryset=None, ward=None
) -> QuerySet[EmptyingApplication]:
    """An inbox page's rows, oldest state change first, with what the list
    shows fetched in the same query."""
    queryset = EmptyingApplication.objects.all() if queryset is None else queryset
    if state:
        queryset = queryset.filter(state=state)
    if ward is not None:
        queryset = queryset.filter(Q(ward=ward) | Q(building__ward=ward) | Q(holding__ward=ward))
    return queryset.select_related(
        "building", "holding", "containment", "provider", "vehicle", "plant"
    ).order_by("state_changed_at", "pk")


def applications_due(
    *, now=None, sla_hours=None, ward=None, queryset=None, include_due_soon: bool = True
) -> QuerySet[EmptyingApplication]:
    """Open applications overdue (and, by default, due soon), most late first;
    one query with the related rows a list shows.  ``ward`` filters by the
    building's (else the holding's) ward."""
    now = now or timezone.now()
    hours = sla_hours if sla_hours is not None else sla.sla_hours()
    condition = _overdue_condition(now, hours)
    if include_due_soon:
        condition |= _due_soon_condition(now, hours)
    queryset = EmptyingApplication.objects.all() if queryset is None else queryset
    return applications_in_state(queryset=queryset.filter(condition), ward=ward)


def application_assignments(application: EmptyingApplication):
    """The schedule / reassign / decline history, oldest first."""
    return application.assignments.select_related("provider", "vehicle").order_by("at", "pk")


def application_by_reference(reference: str, *, phone: str | None = None):
    """The application with this reference (and applicant phone, when given)."""
    queryset = EmptyingApplication.objects.filter(reference=reference.strip().upper())
    if phone is not None:
        try:
            phone = phone_normalise(phone)
        except ValidationError:
            return None
        queryset = queryset.filter(applicant_phone=phone)
    return queryset.first()

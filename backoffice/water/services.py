"""Water supply writes: tariffs, connections, meters and readings.  Bill
runs are in :mod:`.runs`, new-connection applications in
:mod:`.applications`."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.water import readings as checks
from backoffice.water.models import (
    CONNECTION_SEQUENCE,
    Connection,
    ConnectionFee,
    Meter,
    Reading,
    TariffCategory,
    TariffSlab,
    WaterBillingPeriod,
    WaterBillRun,
)
from backoffice.water.tariffs import Slab, Tariff
from tenants.audit.services import audit_event_record
from tenants.permissions import user_has_role

OFFICE = ("water_officer", "municipal_admin")


def _office_only(actor) -> None:
    if actor is not None and not user_has_role(actor, OFFICE):
        raise PermissionDenied(_("Only the water supply office does this."))


def municipal_today() -> datetime.date:
    return timezone.localdate()


# --- tariffs -----------------------------------------------------------------


def tariff_of(category: TariffCategory) -> Tariff:
    return Tariff(
        slabs=tuple(Slab(upto=s.upto_m3, rate=s.rate) for s in category.slabs.all()),
        minimum_charge=category.minimum_charge,
        meter_rent=category.meter_rent,
        flat_rate=category.flat_rate,
    )


@transaction.atomic
def tariff_category_save(*, actor, category: TariffCategory | None = None, **fields):
    """Create a category or change its amounts."""
    _office_only(actor)
    created = category is None
    category = category or TariffCategory()
    before = {k: str(getattr(category, k, "")) for k in fields}
    for name, value in fields.items():
        setattr(category, name, value)
    category.full_clean()
    category.save()
    changed = {k: str(v) for k, v in fields.items() if created or before[k] != str(v)}
    if changed:
        audit_event_record(
            actor=actor,
            action="water.tariff_created" if created else "water.tariff_changed",
            obj=category,
            data=changed,
        )
    return category


@transaction.atomic
def tariff_slabs_set(*, actor, category: TariffCategory, slabs: list[tuple]) -> None:
    """Replace the category's slabs with ``[(upto_m3 or None, rate), ...]``:
    bounds strictly increasing, only the last one open (it is always open)."""
    _office_only(actor)
    if not slabs:
        raise ValidationError(_("A tariff needs at least one slab."))
    bounds = [Decimal(b) for b, _rate in slabs[:-1] if b is not None]
    if len(bounds) != len(slabs) - 1:
        raise ValidationError(_("Only the last slab may be without an upper bound."))
    if any(b <= 0 for b in bounds) or bounds != sorted(set(bounds)):
        raise ValidationError(_("Slab upper bounds must be positive and increasing."))
    if any(Decimal(rate) < 0 for _b, rate in slabs):
        raise ValidationError(_("A slab rate cannot be negative."))
    TariffSlab.objects.filter(category=category).delete()
    rows = [
        TariffSlab(category=category, upto_m3=bound, rate=Decimal(rate))
        for bound, (_b, rate) in zip([*bounds, None], slabs, strict=True)
    ]
    TariffSlab.objects.bulk_create(rows)
    audit_event_record(
        actor=actor,
        action="water.tariff_slabs_set",
        obj=category,
        data={
            "slabs": [
                [str(r.upto_m3) if r.upto_m3 is not None else None, str(r.rate)] for r in rows
            ]
        },
    )


@transaction.atomic
def connection_fee_set(*, actor, category: TariffCategory, size_mm: int, amount) -> ConnectionFee:
    _office_only(actor)
    fee, _created = ConnectionFee.objects.get_or_create(
        category=category, size_mm=size_mm, defaults={"amount": Decimal(amount)}
    )
    fee.amount = Decimal(amount)
    fee.full_clean()
    fee.save()
    audit_event_record(
        actor=actor,
        action="water.fee_set",
        obj=fee,
        data={"category": category.code, "size_mm": size_mm, "amount": str(fee.amount)},
    )
    return fee


def connection_fee_for(*, category: TariffCategory, size_mm: int) -> Decimal:
    fee = ConnectionFee.objects.filter(category=category, size_mm=size_mm).first()
    if fee is None:
        raise ValidationError(
            _("No connection fee is set for %(category)s at %(size)s mm.")
            % {"category": category.name_en, "size": size_mm}
        )
    return fee.amount


# --- connections and meters -------------------------------------------------


def connection_number_next() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [CONNECTION_SEQUENCE])
        return f"WC-{cursor.fetchone()[0]:06d}"


@transaction.atomic
def connection_create(
    *,
    actor,
    holding,
    category: TariffCategory,
    size_mm: int,
    metered: bool = True,
    location=None,
    building=None,
    connected_on: datetime.date | None = None,
    meter_serial: str = "",
    initial_reading: Decimal = Decimal(0),
) -> Connection:
    """A connection numbered from the schema's sequence; a metered one gets
    its meter (``meter_serial``) in the same transaction."""
    _office_only(actor)
    if location is None:
        source = building or holding.buildings.order_by("bin").first()
        if source is None:
            raise ValidationError(_("Give the connection's location: the holding has no building."))
        location = source.footprint.point_on_surface
    if metered and not meter_serial:
        raise ValidationError(_("A metered connection needs its meter's serial number."))
    conn = Connection(
        number=connection_number_next(),
        holding=holding,
        building=building,
        location=location,
        category=category,
        size_mm=size_mm,
        metered=metered,
        connected_on=connected_on or municipal_today(),
    )
    conn.full_clean()
    conn.save()
    audit_event_record(
        actor=actor,
        action="water.connection_created",
        obj=conn,
        data={"number": conn.number, "holding": holding.code, "category": category.code},
    )
    if metered:
        meter_install(
            actor=actor,
            connection=conn,
            serial=meter_serial,
            installed_on=conn.connected_on,
            initial_reading=initial_reading,
        )
    return conn


@transaction.atomic
def connection_update(*, actor, connection: Connection, **fields) -> Connection:
    """Category, size, status or location; the number and holding stay."""
    _office_only(actor)
    allowed = {"category", "size_mm", "status", "location", "building", "metered"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    conn = Connection.objects.select_for_update().get(pk=connection.pk)
    before = {k: str(getattr(conn, k)) for k in fields}
    for name, value in fields.items():
        setattr(conn, name, value)
    if conn.metered and not conn.meters.filter(active=True).exists():
        raise ValidationError(_("Install a meter before billing the connection as metered."))
    conn.full_clean()
    conn.save()
    changed = {k: [before[k], str(v)] for k, v in fields.items() if before[k] != str(v)}
    if changed:
        audit_event_record(actor=actor, action="water.connection_changed", obj=conn, data=changed)
    return conn


@transaction.atomic
def meter_install(
    *,
    actor,
    connection: Connection,
    serial: str,
    installed_on: datetime.date,
    initial_reading: Decimal = Decimal(0),
    digits: int = 6,
) -> Meter:
    """Install a meter; the connection's active meter, if any, is removed."""
    _office_only(actor)
    Connection.objects.select_for_update().filter(pk=connection.pk).first()
    Meter.objects.filter(connection=connection, active=True).update(
        active=False, removed_on=installed_on
    )
    meter = Meter(
        connection=connection,
        serial=serial.strip(),
        installed_on=installed_on,
        initial_reading=Decimal(initial_reading),
        digits=digits,
    )
    meter.full_clean(validate_constraints=False)
    meter.save()
    audit_event_record(
        actor=actor,
        action="water.meter_installed",
        obj=meter,
        data={"connection": connection.number, "serial": meter.serial},
    )
    return meter


# --- readings ---------------------------------------------------------------


def jump_factor() -> Decimal:
    return Decimal(str(getattr(settings, "IMIS_WATER_JUMP_FACTOR", checks.DEFAULT_JUMP_FACTOR)))


def _period_open(period: WaterBillingPeriod) -> None:
    state = WaterBillRun.objects.filter(period=period).values_list("state", flat=True).first()
    if state and state != WaterBillRun.State.PREPARED:
        raise ValidationError(
            {"read_on": _("The bills of %(period)s are approved: its readings are closed.")
             % {"period": period}}
        )  # fmt: skip


def average_monthly_use(meter: Meter, *, before: WaterBillingPeriod) -> Decimal | None:
    """The connection's average accepted monthly use over the 12 months
    before ``before`` (None with fewer than three months of history)."""
    index = before.year * 12 + before.month
    stats = (
        Reading.objects.filter(
            meter__connection_id=meter.connection_id, status=Reading.Status.ACCEPTED
        )
        .annotate(month_index=F("period__year") * 12 + F("period__month"))
        .filter(month_index__gte=index - 12, month_index__lt=index)
        .aggregate(avg=Avg("consumption"), n=Count("id"))
    )
    return stats["avg"] if stats["n"] >= 3 else None


def reading_previous(meter: Meter) -> Reading | None:
    return (
        Reading.objects.filter(meter=meter)
        .exclude(status=Reading.Status.REJECTED)
        .order_by("-read_on", "-id")
        .first()
    )


@transaction.atomic
def reading_record(
    *,
    actor,
    meter: Meter,
    period: WaterBillingPeriod,
    read_on: datetime.date,
    value,
    rollover: bool = False,
    meter_replaced: bool = False,
    note: str = "",
    today: datetime.date | None = None,
) -> Reading:
    """Check and record a reading (refused: ValidationError with a message per
    field saying what is wrong; implausible ones are kept, flagged for review)."""
    _office_only(actor)
    meter = (
        Meter.objects.select_for_update(of=("self",))
        .select_related("connection__category")
        .get(pk=meter.pk)
    )
    if not meter.active:
        raise ValidationError(
            {"value": _("This meter has been removed; read the connection's new meter.")}
        )
    _period_open(period)
    previous = reading_previous(meter)
    result = checks.reading_check(
        checks.ReadingInput(
            value=Decimal(value),
            read_on=read_on,
            today=today or municipal_today(),
            period_starts_on=period.starts_on,
            period_ends_on=period.ends_on,
            previous_value=previous.value if previous else meter.initial_reading,
            previous_read_on=previous.read_on if previous else meter.installed_on,
            reading_in_period=Reading.objects.filter(meter=meter, period=period)
            .exclude(status=Reading.Status.REJECTED)
            .exists(),
            rollover=rollover,
            meter_replaced=meter_replaced,
            digits=meter.digits,
            average_monthly=average_monthly_use(meter, before=period),
            ceiling=meter.connection.category.ceiling_m3,
            jump_factor=jump_factor(),
        )
    )
    if not result.ok:
        errors: dict[str, list[str]] = {}
        for field, message in result.errors:
            errors.setdefault(field, []).append(message)
        raise ValidationError(errors)
    reading = Reading(
        meter=meter,
        period=period,
        read_on=read_on,
        value=Decimal(value),
        consumption=result.consumption,
        reader=actor,
        flags=list(result.flags),
        status=Reading.Status.FLAGGED
        if checks.needs_review(result.flags)
        else Reading.Status.ACCEPTED,
        note=note,
    )
    reading.full_clean(validate_constraints=False)
    reading.save()
    audit_event_record(
        actor=actor,
        action="water.reading_recorded",
        obj=reading,
        data={
            "connection": meter.connection.number,
            "value": str(reading.value),
            "use": str(reading.consumption),
            "flags": reading.flags,
        },
    )
    return reading


@transaction.atomic
def reading_review(*, actor, reading: Reading, accept: bool, note: str = "") -> Reading:
    """Accept or reject a flagged reading (a rejected one is as if never
    taken: the meter can be read again for the month)."""
    _office_only(actor)
    reading = Reading.objects.select_for_update().get(pk=reading.pk)
    if reading.status != Reading.Status.FLAGGED:
        raise ValidationError(_("Only a flagged reading is reviewed."))
    _period_open(reading.period)
    reading.status = Reading.Status.ACCEPTED if accept else Reading.Status.REJECTED
    reading.reviewed_by, reading.reviewed_at = actor, timezone.now()
    if note:
        reading.note = note[:300]
    reading.save(update_fields=["status", "reviewed_by", "reviewed_at", "note"])
    audit_event_record(
        actor=actor,
        action="water.reading_accepted" if accept else "water.reading_rejected",
        obj=reading,
        data={"note": note} if note else None,
    )
    return reading


@transaction.atomic
def period_create(*, actor, year: int, month: int, due_days: int = 15) -> WaterBillingPeriod:
    """The month ``year``-``month``: readings from its first to its last day,
    due ``due_days`` after it ends (the office or the revenue chief)."""
    if actor is not None and not user_has_role(actor, (*OFFICE, "revenue_chief")):
        raise PermissionDenied(_("Only the water supply office does this."))
    if WaterBillingPeriod.objects.filter(year=year, month=month).exists():
        raise ValidationError(_("This billing period already exists."))
    starts = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    ends = following - datetime.timedelta(days=1)
    period = WaterBillingPeriod(
        year=year,
        month=month,
        starts_on=starts,
        ends_on=ends,
        due_on=ends + datetime.timedelta(days=due_days),
    )
    period.full_clean()
    period.save()
    audit_event_record(actor=actor, action="water.period_created", obj=period)
    return period

"""Synthetic water supply data for the synthetic city (a step of the
registry's generator, listed in ``settings.IMIS_SYNTHETIC_STEPS``): the
tariff categories if there are none, connections on a Khulna WASA-like
share of the holdings (about 40%), about 85% of them metered, each metered
one with its meter, and a year of monthly readings (mostly plausible, a few
missed, a few flagged for review in the latest months).

Deterministic by seed (its own streams of ``gen.rng``); dates count back
from the generation's day in the municipality's time zone; bulk loaded with
COPY in the generator's one transaction.  Then every month without readings
awaiting review is billed through the real services (prepare, approve,
issue) and a plausible share of each month's bills is paid before the next
month is issued (payments' ``water_bill_payments_make``, reached by path in
``settings.IMIS_SYNTHETIC_WATER_PAYMENTS``: water never imports payments),
so each bill's arrears are what the one before left unpaid.  The months
with flagged readings stay for the water office to review.

Measured at Khulna scale on the shared 2-core box (156,052 holdings):
62,282 connections, 54,006 meters, 594,863 readings in 12.5 s for this
step (the whole city without the billing step: 54 s, foreign-key checks
included).  With the bills and payments of its ten months without flagged
readings (578,898 bills, 498,381 payments): this step 72 s, the whole
generation 164.5 s (foreign-key checks 40 s); timed alone in one
transaction, preparing 9.5 s, issuing 43 s (310 ward statements of
0.11 s on average, 0.19 s at most), paying 15 s.  Before the issue stopped
looking previous bills up through runs and periods per connection, and
stopped being JIT-compiled per ward, billing here took about 9 minutes."""

import datetime
import json
from decimal import Decimal

from django.conf import settings
from django.db import connection

from backoffice.registry.synthetic import Generation
from backoffice.water import models as water
from tenants.clock import municipality_zone

__all__ = ["connection_share", "water_supply_step"]

CONNECTED_SHARE = 0.40  # Khulna WASA: about two in five holdings
METERED_SHARE = 0.85  # of all connections (community taps are never metered)
METERED_OF_PIPED = 0.92
MONTHS = 12
MISSED_READING = 0.02  # a month the reader could not read the meter
FLAGGED_SHARE = 0.006  # implausible readings, in the last two months, awaiting review

# code: (English, Bangla, minimum, meter rent, flat monthly, ceiling m³,
#        slabs [(upto, rate)], mean monthly use m³, fees {size: BDT})
CATEGORIES = {
    "domestic": ("Domestic", "গৃহস্থালি", "60", "25", "300", "100",
                 [("10", "8.50"), ("30", "11.00"), (None, "15.00")], 16,
                 {15: "3000", 20: "5000", 25: "8000"}),
    "commercial": ("Commercial", "বাণিজ্যিক", "250", "50", "1200", "500",
                   [("50", "20.00"), (None, "28.00")], 45,
                   {15: "6000", 20: "9000", 25: "14000", 40: "25000"}),
    "industrial": ("Industrial", "শিল্প", "1500", "100", "6000", "3000",
                   [("200", "28.00"), (None, "34.00")], 260,
                   {25: "20000", 40: "35000", 50: "50000"}),
    "institutional": ("Institutional", "প্রাতিষ্ঠানিক", "400", "50", "1500", "800",
                      [("100", "12.00"), (None, "16.00")], 70,
                      {20: "6000", 25: "9000", 40: "16000"}),
    "community_tap": ("Community tap", "কমিউনিটি ট্যাপ", "0", "0", "150", None,
                      [(None, "6.00")], 40, {15: "1000", 20: "1500"}),
}  # fmt: skip
CATEGORY_OF_HOLDING = {
    "residential": "domestic",
    "commercial": "commercial",
    "mixed": "commercial",
    "industrial": "industrial",
}
SIZES = {"domestic": (15, 20, 25), "commercial": (20, 25, 40), "industrial": (25, 40, 50),
         "institutional": (20, 25, 40), "community_tap": (15, 20)}  # fmt: skip


def connection_share(holdings: int) -> int:
    return round(holdings * CONNECTED_SHARE)


def water_today(gen: Generation) -> datetime.date:
    now = datetime.datetime.fromisoformat(gen.now)
    return now.astimezone(municipality_zone()).date()


def _months(today: datetime.date) -> list[tuple[int, int]]:
    """The last ``MONTHS`` complete months, oldest first."""
    year, month = today.year, today.month
    out = []
    for _ in range(MONTHS):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((year, month))
    return out[::-1]


def _categories() -> dict[str, water.TariffCategory]:
    existing = {c.code: c for c in water.TariffCategory.objects.all()}
    if existing:
        return existing
    for order, (code, row) in enumerate(CATEGORIES.items(), 1):
        en, bn, minimum, rent, flat, ceiling, slabs, _mean, fees = row
        category = water.TariffCategory.objects.create(
            code=code, name_en=en, name_bn=bn, minimum_charge=Decimal(minimum),
            meter_rent=Decimal(rent), flat_rate=Decimal(flat),
            ceiling_m3=Decimal(ceiling) if ceiling else None, order=order,
        )  # fmt: skip
        water.TariffSlab.objects.bulk_create(
            water.TariffSlab(category=category, upto_m3=Decimal(u) if u else None, rate=Decimal(r))
            for u, r in slabs
        )
        water.ConnectionFee.objects.bulk_create(
            water.ConnectionFee(category=category, size_mm=s, amount=Decimal(a))
            for s, a in fees.items()
        )
    return {c.code: c for c in water.TariffCategory.objects.all()}


def _leftovers_clear(gen: Generation) -> None:
    """Water rows left from an earlier city (the registry was emptied
    without them, or periods that outlive connections) go, with a note."""
    from django.apps import apps

    models = [apps.get_model(label) for label in water_supply_step.truncates]
    if not any(model.objects.exists() for model in models):
        return
    quote = connection.ops.quote_name
    gen.cursor.execute(f"TRUNCATE {', '.join(quote(m._meta.db_table) for m in models)} CASCADE")
    gen.notes.append("removed the water data left from an earlier city")


def water_supply_step(gen: Generation) -> None:
    _leftovers_clear(gen)
    today = water_today(gen)
    categories = _categories()
    months = _months(today)
    rng = gen.rng("water-connections")
    buildings = {b.id: b for b in gen.buildings}
    chosen = [h for h in gen.holdings if rng.random() < CONNECTED_SHARE]
    first_month = datetime.date(*months[0], 1)
    now = gen.now

    # Periods: the year's months (readings from the first to the last day).
    period_ids = gen.ids(water.WaterBillingPeriod, len(months))
    periods = []
    for pk, (year, month) in zip(period_ids, months, strict=True):
        starts = datetime.date(year, month, 1)
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        ends = following - datetime.timedelta(days=1)
        periods.append((pk, year, month, starts, ends))
    gen.copy(
        water.WaterBillingPeriod,
        ["id", "year", "month", "starts_on", "ends_on", "due_on", "last_number"],
        (
            f"{pk}\t{y}\t{m}\t{s.isoformat()}\t{e.isoformat()}"
            f"\t{(e + datetime.timedelta(days=15)).isoformat()}\t0\n"
            for pk, y, m, s, e in periods
        ),
    )

    # Connections, in holding order (numbers follow the holding codes).
    chosen.sort(key=lambda h: h.code)
    ids = gen.ids(water.Connection, len(chosen))
    gen.cursor.execute(
        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
        [water.CONNECTION_SEQUENCE, len(chosen)],
    )
    numbers = sorted(row[0] for row in gen.cursor.fetchall())
    rows = []
    for pk, number, h in zip(ids, numbers, chosen, strict=True):
        b = buildings.get(h.building_id)
        code = CATEGORY_OF_HOLDING.get(h.holding_type, "institutional")
        if code == "domestic" and b is not None and b.low_income and rng.random() < 0.5:
            code = "community_tap"
        if code not in categories:
            code = next(iter(categories))
        metered = code != "community_tap" and rng.random() < METERED_OF_PIPED
        sizes = SIZES.get(code, (15, 20))
        size = sizes[0] if rng.random() < 0.7 else rng.choice(sizes)
        if rng.random() < 0.85:  # connected before the year
            connected = first_month - datetime.timedelta(days=rng.randint(30, 365 * 15))
        else:
            connected = first_month + datetime.timedelta(days=rng.randint(0, 330))
        lon = (b.lon if b else gen.place.lon) + rng.uniform(-2e-5, 2e-5)
        lat = (b.lat if b else gen.place.lat) + rng.uniform(-2e-5, 2e-5)
        rows.append((pk, f"WC-{number:06d}", h, b, code, size, metered, connected, lon, lat))

    from backoffice.registry.synthetic.geometry import point_hex

    null = "\\N"
    gen.copy(
        water.Connection,
        ["id", "number", "holding_id", "building_id", "location", "category_id", "size_mm",
         "metered", "status", "connected_on", "created_at", "updated_at"],
        (
            f"{pk}\t{number}\t{h.id}\t{b.id if b else null}\t{point_hex(lon, lat)}"
            f"\t{categories[code].pk}\t{size}\t{'t' if metered else 'f'}\tactive"
            f"\t{connected.isoformat()}\t{now}\t{now}\n"
            for pk, number, h, b, code, size, metered, connected, lon, lat in rows
        ),
    )  # fmt: skip

    metered_rows = [r for r in rows if r[6]]
    meter_ids = gen.ids(water.Meter, len(metered_rows))
    read_rng = gen.rng("water-readings")
    means = {code: row[7] for code, row in CATEGORIES.items()}
    readings = []
    meters = []
    for meter_id, row in zip(meter_ids, metered_rows, strict=True):
        _pk, number, _h, _b, code, _size, _m, connected, _lon, _lat = row
        initial = read_rng.randint(0, 400) if connected < first_month else 0
        installed = connected
        meters.append((meter_id, row[0], f"KW-{number[3:]}", installed, initial))
        mean = means.get(code, 16) * read_rng.uniform(0.5, 1.6)
        value = Decimal(initial)
        last_month = len(periods) - 1
        for index, (period_id, _y, _mo, starts, ends) in enumerate(periods):
            if ends < connected:
                continue
            if read_rng.random() < MISSED_READING:
                continue  # missed: the next reading carries the use
            use = max(0.0, read_rng.gauss(mean, mean * 0.25))
            flags, status = "[]", "accepted"
            if index >= last_month - 1 and read_rng.random() < FLAGGED_SHARE:
                use = mean * read_rng.uniform(5, 9)  # an implausible jump
                flags, status = json.dumps(["jump"]), "flagged"
            day = min(ends.day, read_rng.randint(20, 28))
            read_on = starts.replace(day=day)
            if read_on < connected:
                continue
            previous = value
            value = (value + Decimal(f"{use:.3f}")).quantize(Decimal("0.001"))
            if value >= 10**6:  # a six-digit dial would roll over: keep it simple
                value = previous
            readings.append((meter_id, period_id, read_on, value, value - previous, flags, status))

    gen.copy(
        water.Meter,
        ["id", "connection_id", "serial", "installed_on", "initial_reading", "digits", "active"],
        (
            f"{pk}\t{conn}\t{serial}\t{installed.isoformat()}\t{initial}\t6\tt\n"
            for pk, conn, serial, installed, initial in meters
        ),
    )
    reading_ids = gen.ids(water.Reading, len(readings))
    gen.copy(
        water.Reading,
        ["id", "meter_id", "period_id", "read_on", "value", "consumption", "reader_id", "flags",
         "status", "reviewed_by_id", "reviewed_at", "note", "created_at"],
        (
            f"{pk}\t{m}\t{p}\t{d.isoformat()}\t{v}\t{c}\t{null}\t{f}\t{s}\t{null}\t{null}\t\t{now}\n"
            for pk, (m, p, d, v, c, f, s) in zip(reading_ids, readings, strict=True)
        ),
    )  # fmt: skip
    _bills_and_payments(gen, today)


def _bills_and_payments(gen: Generation, today: datetime.date) -> None:
    """Each month without flagged readings, oldest first: prepared, approved
    (by the revenue chief, or by the generator in a municipality that has
    none yet, said in the audit trail), issued, then paid in part."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from backoffice.water.runs import water_run_approve, water_run_issue, water_run_prepare
    from tenants.audit.services import audit_event_record

    chief = (
        get_user_model()
        .objects.filter(groups__name="revenue_chief", is_active=True)
        .order_by("pk")
        .first()
    )
    path = getattr(settings, "IMIS_SYNTHETIC_WATER_PAYMENTS", "")
    payments_make = import_string(path) if path else None
    zone = municipality_zone()
    now = datetime.datetime.fromisoformat(gen.now)
    flagged = set(
        water.Reading.objects.filter(status=water.Reading.Status.FLAGGED).values_list(
            "period_id", flat=True
        )
    )
    # Everything above was COPYed in this transaction, which autovacuum cannot
    # see: without statistics the issue reads every reading per connection.
    # The registry's holdings and wards too: the issue selects a ward's
    # holdings, and statistics left from an earlier city (--replace) know
    # none of this city's ward ids.
    for table in ("registry_ward", "registry_holding", "water_connection", "water_meter",
                  "water_reading"):  # fmt: skip
        gen.cursor.execute(f"ANALYZE {table}")
    bills = paid = 0
    with timezone.override(zone):
        for period in water.WaterBillingPeriod.objects.order_by("year", "month"):
            if period.pk in flagged or period.ends_on >= today:
                continue
            run = water_run_prepare(actor=None, period=period)
            if chief is not None:
                run = water_run_approve(actor=chief, run=run)
            else:
                run.state, run.approved_at = water.WaterBillRun.State.APPROVED, timezone.now()
                run.save(update_fields=["state", "approved_at"])
                audit_event_record(
                    actor=None,
                    action="water.run_approved",
                    obj=run,
                    data={"by": "synthetic generator"},
                )
            # The issue looks up each connection's previous bill and its
            # payments: statistics that know the payments written so far keep
            # those lookups on the indexes (this all runs in one transaction,
            # unseen by autovacuum; the run analyses water_waterbill itself).
            if payments_make is not None:
                gen.cursor.execute("ANALYZE payments_payment")
            run = water_run_issue(run_id=run.pk)
            bills += run.bill_count
            if payments_make is not None:
                paid += payments_make(
                    cursor=gen.cursor, run_id=run.pk, seed=gen.seed, now=now, tz=zone.key
                )
    gen.counts[water.WaterBill._meta.label] = bills
    if payments_make is not None:
        gen.counts["payments.Payment (water)"] = paid


# What --replace empties besides the registry (tables that refer to these go
# by CASCADE); tariffs stay, they are the municipality's settings.
water_supply_step.truncates = (
    "water.ConnectionApplication",
    "water.WaterBill",
    "water.WaterBillRun",
    "water.Reading",
    "water.Meter",
    "water.Connection",
    "water.WaterBillingPeriod",
)

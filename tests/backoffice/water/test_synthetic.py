"""Synthetic water data at the tiny scale: a Khulna WASA-like share of the
holdings connected, most metered, a year of readings whose use adds up,
a few flagged; the same data for the same seed; --replace."""

import datetime

from django.db.models import Count, Sum
from django_tenants.utils import schema_context

from backoffice.registry.models import Holding
from backoffice.registry.synthetic import city_generate
from backoffice.water.models import Connection, Meter, Reading, WaterBillingPeriod
from backoffice.water.synthetic import connection_share


def generate(seed: int = 1):
    return city_generate(scale="tiny", seed=seed, replace=True)


def test_the_share_of_khulna():
    assert connection_share(156_052) == 62_421


def _snapshot():
    # numbers come from the schema's sequence (never rolled back): compare the rest
    return list(
        Connection.objects.order_by("holding__code").values_list(
            "holding__code", "category__code", "metered", "size_mm", "connected_on"
        )
    ), list(
        Reading.objects.order_by("meter__connection__holding__code", "read_on").values_list(
            "value", "status"
        )
    )


def test_tiny_city_has_connections_meters_and_a_year_of_readings(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        gen = generate()
        assert "water_supply_step" in gen.seconds  # its own name (the registry has a water_step)
        holdings = Holding.objects.count()
        connections = Connection.objects.count()
        assert 0.3 * holdings < connections < 0.5 * holdings
        metered = Connection.objects.filter(metered=True).count()
        assert 0.75 < metered / connections < 0.95
        assert Meter.objects.count() == metered and gen.counts["water.Meter"] == metered
        assert WaterBillingPeriod.objects.count() == 12
        categories = set(Connection.objects.values_list("category__code", flat=True))
        assert {"domestic", "commercial"} <= categories
        # connections sit on their holding's building
        conn = Connection.objects.filter(building__isnull=False).first()
        assert conn.location.distance(conn.building.footprint.centroid) < 0.001
        # a year of readings: about one a month for meters connected before the year
        per_meter = Reading.objects.values("meter").annotate(n=Count("id"))
        counts = sorted(r["n"] for r in per_meter)
        assert counts[len(counts) // 2] >= 10
        # use is the difference of successive readings
        meter = Meter.objects.annotate(n=Count("readings")).filter(n__gte=6).first()
        values = list(meter.readings.order_by("read_on").values_list("value", "consumption"))
        previous = meter.initial_reading
        for value, use in values:
            assert use == value - previous and use >= 0
            previous = value
        flagged = Reading.objects.filter(status=Reading.Status.FLAGGED).count()
        assert flagged < 0.02 * Reading.objects.count()
        assert Reading.objects.filter(read_on__gt=datetime.date.today()).count() == 0
        # readings fall in their period
        assert not Reading.objects.exclude(
            read_on__gte=models_f("period__starts_on"), read_on__lte=models_f("period__ends_on")
        ).exists()
        first = _snapshot()
        # a month's run is prepared from them (the generator billed the first month)
        period = WaterBillingPeriod.objects.order_by("year", "month").first()
        run = period.run
        assert run.connection_count > 0 and run.consumption > 0
        used = Reading.objects.filter(period=period, status="accepted").aggregate(
            m3=Sum("consumption")
        )
        assert run.consumption == used["m3"]
    with schema_context(tenant_b.schema_name):
        generate()
        assert _snapshot() == first  # same seed, same data
    with schema_context(tenant_a.schema_name):
        generate(seed=2)  # --replace: the earlier city's water data goes
        assert _snapshot() != first
        assert WaterBillingPeriod.objects.count() == 12


def models_f(name):
    from django.db.models import F

    return F(name)


def test_months_without_flagged_readings_are_billed_and_partly_paid(tenant_a):
    from decimal import Decimal

    from backoffice.payments.models import Payment
    from backoffice.water.models import WaterBill, WaterBillRun

    with schema_context(tenant_a.schema_name):
        gen = generate()
        flagged = set(
            Reading.objects.filter(status=Reading.Status.FLAGGED).values_list(
                "period_id", flat=True
            )
        )
        issued = set(
            WaterBillRun.objects.filter(state=WaterBillRun.State.ISSUED).values_list(
                "period_id", flat=True
            )
        )
        assert issued and not issued & flagged
        assert len(issued) + len(flagged) == WaterBillingPeriod.objects.count()
        bills = WaterBill.objects.count()
        assert bills == gen.counts["water.WaterBill"] > 0
        paid = Payment.objects.filter(water_bill__isnull=False)
        assert 0.7 * bills < paid.count() < 0.95 * bills
        # Receipts stay consecutive per year across holding tax and water.
        for year in set(Payment.objects.values_list("receipt_year", flat=True)):
            seqs = sorted(
                Payment.objects.filter(receipt_year=year).values_list("receipt_seq", flat=True)
            )
            assert seqs == list(range(1, len(seqs) + 1))
        # A bill's arrears are what the connection's previous bill still owed.
        later = (
            WaterBill.objects.filter(arrears__gt=0)
            .select_related("connection", "run__period")
            .order_by("-run__period__year", "-run__period__month")
            .first()
        )
        previous = (
            WaterBill.objects.filter(connection=later.connection, run__period__lt=later.run.period)
            .order_by("-run__period__year", "-run__period__month")
            .first()
        )
        paid_on_previous = Payment.objects.filter(water_bill=previous).aggregate(s=Sum("amount"))
        assert later.arrears == previous.total - (paid_on_previous["s"] or Decimal("0"))
        # Numbers past 999,999 keep every digit (as the counter writes them).
        from django.db import connection
        from django.utils import timezone

        from backoffice.payments.models import ReceiptSequence
        from backoffice.payments.synthetic import water_bill_payments_make

        run = WaterBillRun.objects.filter(state=WaterBillRun.State.ISSUED).order_by("pk").last()
        Payment.objects.filter(water_bill__run=run).delete()
        ReceiptSequence.objects.filter(kind="R").update(last_number=999_998)
        with connection.cursor() as cursor:
            made = water_bill_payments_make(
                cursor=cursor, run_id=run.pk, seed=7, now=timezone.now(), tz="Asia/Dhaka"
            )
        assert made > 3
        numbers = list(
            Payment.objects.filter(water_bill__run=run).values_list(
                "receipt_number", "receipt_year", "receipt_seq"
            )
        )
        assert len({n for n, _y, _s in numbers}) == len(numbers)
        assert all(n == f"R-{y}-{s:06d}" for n, y, s in numbers)
        assert max(s for _n, _y, s in numbers) > 1_000_000

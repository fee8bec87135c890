"""Water supply reads for the staff pages."""

from django.db.models import Q, QuerySet

from backoffice.registry.codes import BANGLA_DIGITS
from backoffice.water.models import (
    Connection,
    ConnectionApplication,
    Reading,
    WaterBill,
    WaterBillRun,
)


def connection_list(*, q: str = "", ward: int | None = None, category: str = "") -> QuerySet:
    """Connections by number, holding code (prefix) or ward and category."""
    qs = Connection.objects.select_related("holding", "holding__ward", "category").defer(
        "location", "holding__ward__boundary"
    )
    q = (q or "").strip().translate(BANGLA_DIGITS).upper()[:30]
    if q:
        if q.isdigit():
            q = f"WC-{int(q):06d}"
        qs = qs.filter(Q(number__startswith=q) | Q(holding__code__startswith=q))
    if ward:
        qs = qs.filter(holding__ward__number=ward)
    if category:
        qs = qs.filter(category__code=category)
    return qs


def connection_get(*, number: str) -> Connection:
    return (
        Connection.objects.select_related("holding", "holding__ward", "category", "building")
        .defer("holding__ward__boundary", "building__footprint")
        .get(number=number)
    )


def connection_readings(connection: Connection, limit: int = 24) -> list[Reading]:
    return list(
        Reading.objects.filter(meter__connection=connection)
        .select_related("meter", "period", "reader")
        .order_by("-read_on", "-id")[:limit]
    )


def connection_bills(connection: Connection, limit: int = 24) -> list[WaterBill]:
    return list(
        WaterBill.objects.filter(connection=connection)
        .select_related("run__period")
        .order_by("-issued_at", "-id")[:limit]
    )


def flagged_readings(limit: int = 200) -> list[Reading]:
    return list(
        Reading.objects.filter(status=Reading.Status.FLAGGED)
        .select_related("meter__connection__holding", "period", "reader")
        .order_by("read_on", "id")[:limit]
    )


def run_list() -> QuerySet:
    return WaterBillRun.objects.select_related("period", "prepared_by", "approved_by")


def application_list(*, state: str = "") -> QuerySet:
    qs = ConnectionApplication.objects.select_related("holding", "category")
    if state:
        qs = qs.filter(state=state)
    return qs

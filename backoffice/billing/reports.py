"""The collection report: valid payments received in a date range, of
holding-tax bills, water bills and new water connections' fees, by day or
month, ward, service (holding tax / water supply, whose bills and connection
fees are also apart) and method (online / counter), with totals per service
and for all.

Like dues.py this reads the payments table by name (``payments_payment``:
``bill_id``, ``water_bill_id`` or ``application_id``, exactly one of them by
a check constraint; ``method``, ``amount``, ``status``, ``received_at``)
because payments imports billing and not the other way, and water's tables
(``water_waterbill``, ``water_connection``, ``water_connectionapplication``)
the same way: a water bill's ward is that of its connection's holding, a
connection fee's that of the application's holding.  Cancelled receipts are not
collected money and are left out.  Days are the municipality's."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from backoffice.registry.exporting.services import ExportQuery

GROUPINGS = ("day", "month")
METHODS = ("online", "counter")
SERVICES = ("holding_tax", "water", "connection_fee")
ZERO = Decimal("0.00")

_SQL = """
SELECT (date_trunc(%(unit)s, pp.received_at AT TIME ZONE %(tz)s))::date AS period,
       w.number AS ward, w.name_en AS ward_name_en, w.name_bn AS ward_name_bn,
       CASE WHEN pp.bill_id IS NOT NULL THEN 'holding_tax'
            WHEN pp.water_bill_id IS NOT NULL THEN 'water'
            ELSE 'connection_fee' END AS service,
       pp.method, count(*) AS payments, sum(pp.amount) AS amount
FROM payments_payment pp
LEFT JOIN billing_bill b ON b.id = pp.bill_id
LEFT JOIN water_waterbill wb ON wb.id = pp.water_bill_id
LEFT JOIN water_connection c ON c.id = wb.connection_id
LEFT JOIN water_connectionapplication a ON a.id = pp.application_id
JOIN registry_holding h ON h.id = COALESCE(b.holding_id, c.holding_id, a.holding_id)
JOIN registry_ward w ON w.id = h.ward_id
WHERE pp.status = 'valid'
  AND pp.received_at >= (%(start)s::timestamp AT TIME ZONE %(tz)s)
  AND pp.received_at < (%(end)s::timestamp AT TIME ZONE %(tz)s)
GROUP BY 1, w.number, w.name_en, w.name_bn, 5, pp.method
ORDER BY 1, w.number, 5, pp.method
"""
COLUMNS = (
    "period",
    "ward",
    "ward_name_en",
    "ward_name_bn",
    "service",
    "method",
    "payments",
    "amount",
)


@dataclass
class Figures:
    payments: int = 0
    online: Decimal = ZERO
    counter: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.online + self.counter

    def add(self, method: str, count: int, amount: Decimal) -> None:
        self.payments += count
        if method == "online":
            self.online += amount
        else:
            self.counter += amount


@dataclass
class Collected:
    """One row's figures: per service (water bills and connection fees
    apart, ``water_supply`` both), and all together (``payments``,
    ``online``, ``counter``, ``total`` are the sums)."""

    holding_tax: Figures = field(default_factory=Figures)
    water: Figures = field(default_factory=Figures)
    connection_fee: Figures = field(default_factory=Figures)

    def add(self, service: str, method: str, count: int, amount: Decimal) -> None:
        getattr(self, service).add(method, count, amount)

    @staticmethod
    def _sum(*parts: Figures) -> Figures:
        out = Figures()
        for part in parts:
            out.payments += part.payments
            out.online += part.online
            out.counter += part.counter
        return out

    @property
    def water_supply(self) -> Figures:
        return self._sum(self.water, self.connection_fee)

    @property
    def all(self) -> Figures:
        return self._sum(self.holding_tax, self.water, self.connection_fee)

    @property
    def payments(self) -> int:
        return self.all.payments

    @property
    def online(self) -> Decimal:
        return self.all.online

    @property
    def counter(self) -> Decimal:
        return self.all.counter

    @property
    def total(self) -> Decimal:
        return self.all.total


@dataclass
class ReportRow:
    period: datetime.date | None
    ward: int
    ward_name_en: str
    ward_name_bn: str
    figures: Collected = field(default_factory=Collected)


@dataclass
class CollectionReport:
    start: datetime.date
    end: datetime.date
    grouping: str
    rows: list[ReportRow]
    by_ward: list[ReportRow]  # period None: the whole range
    total: Collected


def _params(start: datetime.date, end: datetime.date, grouping: str) -> dict:
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {GROUPINGS}")
    return {
        "unit": grouping,
        "tz": timezone.get_current_timezone_name(),
        "start": datetime.datetime.combine(start, datetime.time()),
        "end": datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()),
    }


def collection_report(
    *, start: datetime.date, end: datetime.date, grouping: str = "day"
) -> CollectionReport:
    """One grouped statement; rows are (period, ward) with each service's
    online and counter amounts side by side."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, _params(start, end, grouping))
        raw = cursor.fetchall()
    rows: dict[tuple, ReportRow] = {}
    wards: dict[int, ReportRow] = {}
    total = Collected()
    for period, ward, name_en, name_bn, service, method, count, amount in raw:
        row = rows.setdefault((period, ward), ReportRow(period, ward, name_en, name_bn))
        row.figures.add(service, method, count, amount)
        ward_row = wards.setdefault(ward, ReportRow(None, ward, name_en, name_bn))
        ward_row.figures.add(service, method, count, amount)
        total.add(service, method, count, amount)
    return CollectionReport(
        start=start,
        end=end,
        grouping=grouping,
        rows=list(rows.values()),
        by_ward=[wards[number] for number in sorted(wards)],
        total=total,
    )


def collection_export_query(
    *, start: datetime.date, end: datetime.date, grouping: str = "day"
) -> ExportQuery:
    """The report's grouped rows (one per period, ward, service and method) for the
    registry's CSV / Excel writers."""
    statement = connection.ops.compose_sql(_SQL, _params(start, end, grouping))
    return ExportQuery("collection", COLUMNS, statement, False)

"""Dues by ward (backoffice/billing/dues.py): every figure equals payments'
own rule (backoffice.payments.selectors.bill_outstanding on the holding's
latest issued bill), with payments recorded through payments' services;
filters, keyset pages, ward totals and the CSV / Excel exports."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from backoffice.billing import dues, services
from backoffice.billing import selectors as billing_selectors
from backoffice.billing.models import Bill
from backoffice.payments import selectors as payment_selectors
from backoffice.payments import services as payments
from backoffice.payments.models import Payment
from backoffice.registry.exporting.services import csv_stream, xlsx_write
from tests.backoffice.payments.factories import YEAR, bill_make
from tests.backoffice.registry.factories import wards_make
from tests.conftest import staff_user

D = Decimal
DUE = datetime.date(YEAR, 3, 28)  # bill_make's first quarter
AFTER_DUE = DUE + datetime.timedelta(days=10)


def pay(tenant, bill, amount, *, when=None, method=None) -> Payment:
    payment = payments.counter_payment_record(
        actor=staff_user(tenant, "revenue_collector"), bill=bill, amount=D(amount)
    )
    fields = {}
    if when is not None:
        fields["received_at"] = when
    if method is not None:
        fields["method"] = method
    if fields:
        Payment.objects.filter(pk=payment.pk).update(**fields)
    return payment


def dues_sample(tenant) -> dict[str, Bill]:
    """Holdings in wards 1 and 2, one case each; returns code -> latest bill."""
    wards_make(2)
    chief = staff_user(tenant, "revenue_chief")
    latest = {}
    # unpaid
    latest["01-077-0001-00"] = bill_make("01-077-0001-00", total=D("1000.00"))
    # paid the total less the rebate by the due date: settled
    b = latest["01-077-0002-00"] = bill_make("01-077-0002-00", D("1000.00"), rebate=D("100"))
    pay(tenant, b, "900.00")
    # partly paid, with a rebate still open until the due date
    b = latest["01-077-0003-00"] = bill_make("01-077-0003-00", D("1000.00"), rebate=D("100"))
    pay(tenant, b, "500.00")
    # paid in full
    b = latest["01-077-0004-00"] = bill_make("01-077-0004-00", D("800.00"))
    pay(tenant, b, "800.00")
    # two periods: the latest bill counts (it carries the arrears)
    old = bill_make("01-077-0005-00", D("300.00"), quarter=1)
    pay(tenant, old, "200.00")
    latest["01-077-0005-00"] = bill_make("01-077-0005-00", D("700.00"), quarter=2)
    # ward 2: a cancelled receipt does not count
    b = latest["02-077-0006-00"] = bill_make("02-077-0006-00", D("1200.00"))
    receipt = pay(tenant, b, "300.00")
    payments.receipt_cancel(actor=chief, payment=receipt, reason="bounced cheque")
    # ward 2: the newer bill was cancelled, the older one is the latest issued
    latest["02-077-0007-00"] = bill_make("02-077-0007-00", D("400.00"), quarter=1)
    newer = bill_make("02-077-0007-00", D("600.00"), quarter=2)
    services.bill_cancel(actor=chief, bill=newer, reason="wrong value")
    # ward 2: the rebate was paid only after the due date
    b = latest["02-077-0008-00"] = bill_make("02-077-0008-00", D("1000.00"), rebate=D("100"))
    late = timezone.make_aware(datetime.datetime.combine(DUE, datetime.time(23, 59)))
    late += datetime.timedelta(minutes=2)  # 00:01 the day after, Dhaka
    pay(tenant, b, "900.00", when=late)
    return latest


EXPECTED_TODAY = {  # today is long before the 2031 due dates: rebates open
    "01-077-0001-00": D("1000.00"),
    "01-077-0003-00": D("400.00"),
    "01-077-0005-00": D("700.00"),
    "02-077-0006-00": D("1200.00"),
    "02-077-0007-00": D("400.00"),
}
EXPECTED_AFTER_DUE = {
    "01-077-0001-00": D("1000.00"),
    "01-077-0003-00": D("500.00"),
    "01-077-0005-00": D("700.00"),
    "02-077-0006-00": D("1200.00"),
    "02-077-0007-00": D("400.00"),
    "02-077-0008-00": D("100.00"),
}


@pytest.fixture
def sample_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield dues_sample(tenant_a)


@pytest.mark.parametrize("on, expected", [(None, EXPECTED_TODAY), (AFTER_DUE, EXPECTED_AFTER_DUE)])
def test_dues_follow_the_payments_rule(sample_a, on, expected):
    page = dues.dues_page(on=on)
    got = {row.code: row.outstanding for row in page.rows}
    assert got == expected
    for code, bill in sample_a.items():
        rule = payment_selectors.bill_outstanding(bill, on=on)
        assert got.get(code, D("0.00")) == rule, code
        # and billing's own reading of the same rule, holding by holding
        assert got.get(code, D("0.00")) == billing_selectors.holding_balance(bill.holding, on=on)
    row = next(r for r in page.rows if r.code == "01-077-0005-00")
    assert (row.bill, row.total, row.paid, row.ward) == (
        sample_a["01-077-0005-00"].number,
        D("700.00"),
        D("0"),
        1,
    )
    assert next(r for r in page.rows if r.code == "02-077-0006-00").ward_name_bn == "ওয়ার্ড 2"


def test_ward_totals_and_filters(sample_a):
    wards = {w.ward: (w.holdings, w.outstanding) for w in dues.dues_by_ward()}
    assert wards == {1: (3, D("2100.00")), 2: (2, D("1600.00"))}
    only_2 = dues.DuesFilters(ward=2)
    assert [r.code for r in dues.dues_page(only_2).rows] == ["02-077-0006-00", "02-077-0007-00"]
    big = dues.DuesFilters(min_amount=D("700"))
    assert [r.code for r in dues.dues_page(big).rows] == [
        "01-077-0001-00",
        "01-077-0005-00",
        "02-077-0006-00",
    ]
    assert [(w.ward, w.holdings) for w in dues.dues_by_ward(big)] == [(1, 2), (2, 1)]
    assert [(w.ward, w.holdings) for w in dues.dues_by_ward(only_2)] == [(2, 2)]
    # The totals' set-based statement agrees with the per-holding one, rebates closed too.
    after = {w.ward: (w.holdings, w.outstanding) for w in dues.dues_by_ward(on=AFTER_DUE)}
    by_ward = {}
    for row in dues.dues_page(on=AFTER_DUE).rows:
        count, amount = by_ward.get(row.ward, (0, D("0")))
        by_ward[row.ward] = (count + 1, amount + row.outstanding)
    assert after == by_ward == {1: (3, D("2200.00")), 2: (3, D("1700.00"))}


def test_keyset_pages_walk_forward_and_back(sample_a):
    first = dues.dues_page(size=2)
    assert [r.code for r in first.rows] == ["01-077-0001-00", "01-077-0003-00"]
    assert first.prev_key is None and first.next_key == "01-077-0003-00"
    second = dues.dues_page(after=first.next_key, size=2)
    assert [r.code for r in second.rows] == ["01-077-0005-00", "02-077-0006-00"]
    third = dues.dues_page(after=second.next_key, size=2)
    assert [r.code for r in third.rows] == ["02-077-0007-00"] and third.next_key is None
    back = dues.dues_page(before=third.prev_key, size=2)
    assert [r.code for r in back.rows] == [r.code for r in second.rows]
    assert back.prev_key == "01-077-0005-00"


def test_one_statement_per_page(sample_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        dues.dues_page()
    with django_assert_num_queries(1):
        dues.dues_by_ward()


def test_exports_keep_bangla_and_figures(sample_a, tmp_path):
    query = dues.dues_export_query(dues.DuesFilters(ward=2))
    data = b"".join(csv_stream(query)).decode("utf-8")
    assert data.startswith("\ufeffcode,ward,ward_name_en,ward_name_bn,")
    lines = data.strip().splitlines()
    assert len(lines) == 3
    assert "02-077-0006-00,2,Ward 2,ওয়ার্ড 2,residential," in lines[1]
    assert lines[1].endswith(",1200.00,0,1200.00")
    from openpyxl import load_workbook

    path = xlsx_write(dues.dues_export_query(), tmp_path / "dues.xlsx")
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("code", "ward", "ward_name_en", "ward_name_bn")
    assert [r[0] for r in rows[1:]] == sorted(EXPECTED_TODAY)
    assert rows[4][3] == "ওয়ার্ড 2" and D(str(rows[4][-1])) == D("1200.00")


def test_dues_stay_in_their_municipality(sample_a, tenant_b):
    with schema_context(tenant_b.schema_name):
        wards_make(1)
        bill = bill_make("01-099-0001-00", total=D("55.00"))
        assert [r.code for r in dues.dues_page().rows] == [bill.holding.code]
        assert [(w.ward, w.outstanding) for w in dues.dues_by_ward()] == [(1, D("55.00"))]

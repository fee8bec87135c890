from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from tenants.formatting import lakh_group, money_format


@pytest.mark.parametrize(
    ("digits", "grouped"),
    [
        ("0", "0"),
        ("999", "999"),
        ("1000", "1,000"),
        ("100000", "1,00,000"),
        ("12345678", "1,23,45,678"),
        ("123456789", "12,34,56,789"),
    ],
)
def test_lakh_grouping(digits, grouped):
    assert lakh_group(digits) == grouped


def test_money_in_english_and_bangla():
    assert money_format(Decimal("1234567.5")) == "12,34,567.50"
    assert money_format("-2500", symbol=True) == "৳ -2,500.00"
    assert money_format(Decimal("1234567.5"), language="bn") == "১২,৩৪,৫৬৭.৫০"
    assert money_format("not money") == ""


def test_template_filter_follows_the_language():
    template = Template("{% load imis_format %}{{ v|bdt }}")
    with translation.override("bn"):
        assert template.render(Context({"v": Decimal("150000")})) == "১,৫০,০০০.০০"
    with translation.override("en"):
        assert template.render(Context({"v": Decimal("150000")})) == "1,50,000.00"

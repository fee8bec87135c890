"""The registry's find rules for the map: holding codes typed as forms
accept them, whole or begun; nothing else is taken for one."""

import pytest
from django.core.exceptions import ValidationError

from backoffice.registry.map_search import holding_code_start
from maps.tools.lookup import _SEARCH


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("03-017-0429-01", "03-017-0429-01"),
        ("০৩ ০১৭ ০৪২৯ ০১", "03-017-0429-01"),
        ("03017042901", "03-017-0429-01"),
        ("03-017", "03-017"),
        ("০৩/০১৭/০৪", "03-017-04"),
    ],
)
def test_holding_code_start(typed, searched):
    assert holding_code_start(typed) == searched


@pytest.mark.parametrize("typed", ["KHU-0000513", "Rahima", "0301", "03-0177"])
def test_not_a_holding_code(typed):
    with pytest.raises(ValidationError):
        holding_code_start(typed)


def test_registered_with_the_map():
    assert _SEARCH[("buildings", "holding_codes")].normalise is holding_code_start
    assert _SEARCH[("buildings", "owner_names")].match == "contains"

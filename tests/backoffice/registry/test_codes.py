"""Holding codes and phone numbers: pure, property-based where it pays."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from backoffice.registry.codes import (
    bin_format,
    holding_code_normalise,
    holding_code_parse,
    phone_normalise,
    validate_holding_code,
    validate_nid,
)

BN = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def part(size):
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


ward = part(2).filter(lambda w: w != "00")
separator = st.sampled_from(["-", " ", "/", ".", " - ", "_"])


@given(ward, part(3), part(4), part(2), separator, st.booleans())
def test_any_well_formed_code_normalises(w, z, h, e, sep, bangla):
    typed = sep.join([w, z, h, e])
    if bangla:
        typed = typed.translate(BN)
    assert holding_code_normalise(typed) == f"{w}-{z}-{h}-{e}"
    assert holding_code_normalise(f"  {w}{z}{h}{e} ") == f"{w}-{z}-{h}-{e}"


@given(ward, part(3), part(4), part(2))
def test_normal_form_is_a_fixed_point(w, z, h, e):
    code = f"{w}-{z}-{h}-{e}"
    assert holding_code_normalise(code) == code
    validate_holding_code(code)


@given(
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=1, max_value=6).filter(lambda n: n not in (2, 3, 4)),
)
def test_a_wrong_length_part_is_named(index, size):
    parts = ["12", "345", "6789", "01"]
    name = ["ward", "zone", "holding number", "extension"][index]
    if len(parts[index]) == size:
        return
    parts[index] = "1" * size
    with pytest.raises(ValidationError) as exc:
        holding_code_parse("-".join(parts))
    assert name in exc.value.messages[0]
    assert exc.value.code.endswith("_length")


@given(st.text(min_size=1, max_size=20).filter(lambda s: any(c.isalpha() for c in s)))
def test_letters_are_refused(text):
    with pytest.raises(ValidationError):
        holding_code_parse(text)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "required"),
        ("12-345-6789", "parts"),
        ("00-345-6789-01", "ward_zero"),
        ("12-345-6789-01-02", "parts"),
        ("12-34-6789-01", "zone_length"),
    ],
)
def test_error_codes(typed, code):
    with pytest.raises(ValidationError) as exc:
        holding_code_parse(typed)
    assert exc.value.code == code


def test_error_names_the_part_in_bangla():
    with translation.override("bn"):
        with pytest.raises(ValidationError) as exc:
            holding_code_parse("12-34-6789-01")
        message = exc.value.messages[0]
    assert "জোন" in message or "অঞ্চল" in message
    assert "must have" not in message


def test_stored_form_must_be_normal():
    with pytest.raises(ValidationError):
        validate_holding_code("12 345 6789 01")


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("01712345678", "+8801712345678"),
        ("+880 1712-345678", "+8801712345678"),
        ("8801912345678", "+8801912345678"),
        ("০১৭১২৩৪৫৬৭৮", "+8801712345678"),
    ],
)
def test_bangladeshi_phone_numbers(typed, normal):
    assert phone_normalise(typed) == normal


@pytest.mark.parametrize("bad", ["01212345678", "0171234567", "+9101712345678", "phone"])
def test_bad_phone_numbers(bad):
    with pytest.raises(ValidationError):
        phone_normalise(bad)


def test_nid_lengths():
    for ok in ("1234567890", "1" * 13, "1" * 17, ""):
        validate_nid(ok)
    for bad in ("123", "1" * 11, "12345abcde"):
        with pytest.raises(ValidationError):
            validate_nid(bad)


def test_bin_format():
    assert bin_format(prefix="KHU-", digits=7, number=42) == "KHU-0000042"


@pytest.mark.parametrize("foreign", ["१२-३४५-६७८९-०१", "１２-３４５-６７８９-０１"])
def test_digits_of_other_scripts_are_refused(foreign):
    # Bangla digits are ours; Devanagari or full-width digits are not a holding code.
    with pytest.raises(ValidationError):
        holding_code_parse(foreign)
    with pytest.raises(ValidationError):
        validate_holding_code(foreign)

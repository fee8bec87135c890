"""The two keys: the holding code (LGED form Ward-Zone-Holding-Extension,
``XX-XXX-XXXX-XX``) and the BIN format.  Pure functions, no database."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
HOLDING_PARTS: tuple[tuple[str, int], ...] = (
    ("ward", 2),
    ("zone", 3),
    ("holding", 4),
    ("extension", 2),
)
HOLDING_CODE_RE = re.compile(r"^[0-9]{2}-[0-9]{3}-[0-9]{4}-[0-9]{2}$")
_PART_LABELS = {
    "ward": _("ward"),
    "zone": _("zone"),
    "holding": _("holding number"),
    "extension": _("extension"),
}
_SEPARATORS = re.compile(r"[\s\-/._]+")


@dataclass(frozen=True)
class HoldingCode:
    ward: str
    zone: str
    holding: str
    extension: str

    def __str__(self) -> str:
        return f"{self.ward}-{self.zone}-{self.holding}-{self.extension}"

    @property
    def ward_number(self) -> int:
        return int(self.ward)


def holding_code_parse(raw: str) -> HoldingCode:
    """Normalise and validate a typed holding code.

    Accepts Bangla digits, spaces, slashes or dots as separators, and the
    11 digits run together.  The error names the part that is wrong."""
    if raw is None or not str(raw).strip():
        raise ValidationError(_("Enter a holding code."), code="required")
    text = str(raw).strip().translate(BANGLA_DIGITS)
    if re.search(r"[^0-9\s\-/._]", text):
        raise ValidationError(
            _("A holding code has digits only, as XX-XXX-XXXX-XX (got “%(value)s”)."),
            code="characters",
            params={"value": raw},
        )
    parts = [p for p in _SEPARATORS.split(text) if p]
    if len(parts) == 1 and len(parts[0]) == sum(n for _, n in HOLDING_PARTS):
        digits, parts, start = parts[0], [], 0
        for _name, size in HOLDING_PARTS:
            parts.append(digits[start : start + size])
            start += size
    if len(parts) != len(HOLDING_PARTS):
        raise ValidationError(
            _(
                "A holding code has four parts, ward-zone-holding-extension, "
                "as XX-XXX-XXXX-XX (got %(count)s parts)."
            ),
            code="parts",
            params={"count": len(parts)},
        )
    for (name, size), value in zip(HOLDING_PARTS, parts, strict=True):
        if len(value) != size:
            raise ValidationError(
                _("The %(part)s part must have %(size)s digits (got “%(value)s”)."),
                code=f"{name}_length",
                params={"part": _PART_LABELS[name], "size": size, "value": value},
            )
    code = HoldingCode(*parts)
    if code.ward == "00":
        raise ValidationError(
            _("The %(part)s part cannot be 00."),
            code="ward_zero",
            params={"part": _PART_LABELS["ward"]},
        )
    return code


def holding_code_normalise(raw: str) -> str:
    return str(holding_code_parse(raw))


def validate_holding_code(value: str) -> None:
    """Model-field validator: the stored form must already be normal."""
    if not HOLDING_CODE_RE.match(value or ""):
        holding_code_parse(value)  # raises the precise message
        raise ValidationError(_("Store holding codes as XX-XXX-XXXX-XX."), code="not_normalised")


def bin_format(*, prefix: str, digits: int, number: int) -> str:
    return f"{prefix}{number:0{digits}d}"


BD_PHONE_RE = re.compile(r"^(?:\+?88)?0?(1[3-9][0-9]{8})$")


def phone_normalise(raw: str) -> str:
    """A Bangladeshi mobile number as +8801XXXXXXXXX."""
    text = re.sub(r"[\s\-()]", "", str(raw or "")).translate(BANGLA_DIGITS)
    match = BD_PHONE_RE.match(text)
    if not match:
        raise ValidationError(
            _("Enter a Bangladeshi mobile number, e.g. 01712345678."), code="phone"
        )
    return "+880" + match.group(1)


def validate_bd_phone(value: str) -> None:
    if value and phone_normalise(value) != value:
        raise ValidationError(_("Store phone numbers as +8801XXXXXXXXX."), code="phone_form")


def validate_nid(value: str) -> None:
    """National ID: 10 (smart card), 13 or 17 digits."""
    if value and (not re.fullmatch(r"[0-9]+", value) or len(value) not in (10, 13, 17)):
        raise ValidationError(_("A national ID has 10, 13 or 17 digits."), code="nid")

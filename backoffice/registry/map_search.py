"""How the map's find tool matches the registry's search fields (loaded by
maps.viewer at start-up; maps imports no domain).

Holding codes: typed as any form accepts them (Bangla digits, spaces, run
together), normalised by :mod:`backoffice.registry.codes`; a complete code
is matched exactly, the start of one (while typing) as a prefix, both
through the link table so the holding code index does the work.  Owners'
names: a part of the English or Bangla name; the buildings layer shows that
field only to the roles that see owners (privacy.OWNER_READERS), and find
searches only fields the role may read.  Addresses: a part of a holding's
address, for text with a letter that is not a BIN (at Khulna scale it
reads every holding's address: ~90 ms)."""

import re

from django.core.exceptions import ValidationError

from backoffice.registry.codes import BANGLA_DIGITS, holding_code_normalise
from maps.tools.lookup import search_field_register

_PARTIAL = re.compile(r"^[0-9]{2}(?:-[0-9]{1,3}(?:-[0-9]{0,4}(?:-[0-9]{0,2})?)?)?-?$")
_LETTER = re.compile(r"[^\W\d_]")
_BIN_LIKE = re.compile(r"^[A-Za-z]{1,8}-?[0-9]")


def address_text(raw: str) -> str:
    """Text worth matching against addresses: it has a letter and is not
    the start of a BIN (codes and BINs have their own, indexed, fields;
    a part of an address is matched by reading every holding's)."""
    text = str(raw).strip()
    if not _LETTER.search(text) or _BIN_LIKE.match(text):
        raise ValueError("not an address")
    return text


def holding_code_start(raw: str) -> str:
    """A complete holding code in its normal form, or the start of one
    (``03-017`` while typing); anything else is not a holding code."""
    try:
        return holding_code_normalise(raw)
    except ValidationError:
        text = re.sub(r"[\s/._]+", "-", str(raw).strip().translate(BANGLA_DIGITS))
        if _PARTIAL.match(text):
            return text
        raise


search_field_register(
    "buildings",
    "holding_codes",
    normalise=holding_code_start,
    match="prefix",
    sql=(
        "EXISTS (SELECT 1 FROM registry_buildingholding bh JOIN registry_holding h"
        " ON h.id = bh.holding_id WHERE bh.building_id = t.id AND h.code LIKE %(q)s)"
    ),
)
search_field_register(
    "buildings",
    "addresses",
    normalise=address_text,
    match="contains",
    sql=(
        "EXISTS (SELECT 1 FROM registry_buildingholding bh JOIN registry_holding h"
        " ON h.id = bh.holding_id WHERE bh.building_id = t.id AND h.address ILIKE %(q)s)"
    ),
)
search_field_register(
    "buildings",
    "owner_names",
    match="contains",
    sql=(
        "EXISTS (SELECT 1 FROM registry_buildingholding bh JOIN registry_holdingowner ho"
        " ON ho.holding_id = bh.holding_id JOIN registry_owner o ON o.id = ho.owner_id"
        " WHERE bh.building_id = t.id AND (o.name_en ILIKE %(q)s OR o.name_bn ILIKE %(q)s))"
    ),
)

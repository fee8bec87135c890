"""Hook: other kinds of bill (water bills) on billing's public verification
page and bills API.  Billing does not import them; a kind registers itself
in its AppConfig.ready():

    from backoffice.billing.pdf.documents import BillKind, bill_kind_register
    bill_kind_register(BillKind(slug="water", module="water", ...))

A number is looked up as a holding-tax bill first, then in each kind the
municipality has the module of (numbers do not collide across kinds).

A kind with ``batch`` hooks also gets ward print batches (``PrintBatch``
rows of that kind, made by billing's batch task: chunks, progress, one
signature)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BillKind:
    slug: str  # the API rows' "type"
    module: str  # the municipality module the kind needs
    by_number: Callable[[str], Any]  # the document (any status), or None
    verify_page: Callable[[Any], tuple[str, dict]]  # public page: template, context
    pdf: Callable[[Any, str], bytes]  # the signed PDF of a copy (rendering.COPIES)
    api_rows: Callable[[str], list[dict]]  # a holding's documents as API rows
    batch: "BatchHooks | None" = None  # ward print batches, if the kind has them


@dataclass(frozen=True)
class BatchHooks:
    """How billing's batch task prints a ward of one of the kind's runs."""

    documents: Callable[[int, int], Any]  # (run id, ward id): queryset in print order
    html: Callable[[list, Any], str]  # (documents, letterhead): one page each
    label: Callable[[int], str]  # run id: what the file name says (its period)
    reason: str  # the signature's reason


_KINDS: dict[str, BillKind] = {}


def bill_kind_register(kind: BillKind) -> None:
    _KINDS[kind.slug] = kind


def bill_kind(slug: str) -> BillKind:
    return _KINDS[slug]


def bill_kinds(tenant) -> list[BillKind]:
    """The kinds ``tenant`` has the module of."""
    return [kind for kind in _KINDS.values() if tenant.has_module(kind.module)]


def bill_kind_find(number: str, tenant) -> tuple[BillKind, Any] | None:
    """(kind, document) of another kind's document numbered ``number``."""
    for kind in bill_kinds(tenant):
        document = kind.by_number(number)
        if document is not None:
            return kind, document
    return None

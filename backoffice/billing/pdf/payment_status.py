"""Hook: whether a bill is paid, for the public verification page and the
API.  Billing has no payments yet (issue 6, part 4); the payments code
registers its answer here when it lands, e.g. in its AppConfig.ready():

    from backoffice.billing.pdf.payment_status import payment_status_register
    payment_status_register(lambda bill: PaymentStatus(paid=..., paid_amount=...))

Until then every bill answers "payment status not available"."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PaymentStatus:
    paid: bool
    paid_amount: Decimal | None = None
    paid_on: object = None  # a date, when fully paid


_PROVIDER: list[Callable] = []


def payment_status_register(provider: Callable) -> None:
    """``provider(bill) -> PaymentStatus | None`` (None: not known)."""
    _PROVIDER[:] = [provider]


def payment_status_provider() -> Callable | None:
    """The registered provider (None: none), e.g. to restore it in tests."""
    return _PROVIDER[0] if _PROVIDER else None


def payment_status_unregister() -> None:
    _PROVIDER.clear()


def payment_status_of(bill) -> PaymentStatus | None:
    return _PROVIDER[0](bill) if _PROVIDER else None

"""Receipt documents.  Today a receipt is an HTML page (staff and the
customer's status page).  The signed PDF is a hook: once billing's signing
(engineer G's backoffice/billing/signing.py, pyHanko with the revenue
chief's certificate) lands, ``receipt_pdf`` renders templates
payments/receipt.html to PDF and signs it with the same function; until then
it answers None and no PDF link is shown."""

from importlib import util


def receipt_pdf_available() -> bool:
    return util.find_spec("backoffice.billing.signing") is not None


def receipt_pdf(payment) -> bytes | None:
    """The signed receipt PDF, or None while bill signing does not exist."""
    if not receipt_pdf_available():
        return None
    return None  # wired when backoffice.billing.signing exists (see the module docstring)

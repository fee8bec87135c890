"""Money and numbers the way Bangladesh writes them: lakh and crore
grouping (12,34,56,789.00), Bengali digits on Bangla pages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def lakh_group(integer_digits: str) -> str:
    """'123456789' -> '12,34,56,789' (last three, then pairs)."""
    if len(integer_digits) <= 3:
        return integer_digits
    head, tail = integer_digits[:-3], integer_digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def money_format(value, *, language: str = "en", symbol: bool = False) -> str:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    text = f"{sign}{lakh_group(whole)}.{fraction}"
    if symbol:
        text = f"৳ {text}"
    return text.translate(BENGALI_DIGITS) if language == "bn" else text

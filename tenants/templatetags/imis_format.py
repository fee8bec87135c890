from django import template
from django.utils.translation import get_language

from tenants.formatting import money_format

register = template.Library()


@register.filter
def bdt(value, symbol: str = ""):
    """``{{ holding.annual_value|bdt }}`` -> 12,34,567.00 (Bengali digits in Bangla)."""
    if value is None or value == "":
        return ""
    return money_format(value, language=(get_language() or "en")[:2], symbol=bool(symbol))

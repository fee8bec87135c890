from django import template
from django.utils.translation import get_language

from tenants.formatting import BENGALI_DIGITS

register = template.Library()


@register.filter
def digits(value):
    """Bengali digits on Bangla pages: ``{{ ward.number|digits }}``."""
    text = "" if value is None else str(value)
    return text.translate(BENGALI_DIGITS) if (get_language() or "en")[:2] == "bn" else text

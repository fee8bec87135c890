from django import template
from django.utils.translation import get_language

from tenants.formatting import BENGALI_DIGITS

register = template.Library()


@register.filter
def local_digits(value):
    """Bengali digits on Bangla pages (dates, ward numbers); codes and
    references are left alone by not using this filter on them."""
    text = str(value)
    return text.translate(BENGALI_DIGITS) if (get_language() or "")[:2] == "bn" else text

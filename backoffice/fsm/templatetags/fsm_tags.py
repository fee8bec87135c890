from django import template
from django.utils import timezone

from backoffice.fsm import sla
from backoffice.fsm.views import access

register = template.Library()


@register.simple_tag(takes_context=True)
def fsm_abilities(context) -> dict:
    request = context.get("request")
    return access.abilities(request.user) if request is not None else {}


@register.inclusion_tag("fsm/_band.html")
def sla_badge(band):
    return {"band": band, "label": str(sla.BANDS.get(band, ""))}


@register.filter
def local_dt(value):
    """An instant as the municipality's wall clock shows it (naive, so the
    ``date`` filter does not shift it to the server's zone again)."""
    if not value:
        return value
    return timezone.make_naive(value, sla.municipality_timezone())


@register.filter
def attr_value(obj, name: str):
    return getattr(obj, name, None)

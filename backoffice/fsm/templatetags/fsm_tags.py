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
    """An instant in the municipality's own time zone."""
    return timezone.localtime(value, sla.municipality_timezone()) if value else value


@register.filter
def attr_value(obj, name: str):
    return getattr(obj, name, None)

"""Bilingual SMS templates, keyed by name.  Each text is a gettext string
rendered in the recipient's language (the Bangla catalogue holds the Bangla).

BTRC asks for Bangla SMS; a citizen who used the English site gets English.
Codes, references and web addresses stay in ASCII so they can be typed."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

OTP = "otp"
FSM_SUBMITTED = "fsm.submitted"
FSM_STATUS = "fsm.status"
FSM_CANCELLED = "fsm.cancelled"

TEXTS: dict[str, object] = {
    OTP: _(
        "%(municipality)s: your one-time code is %(code)s. It expires in %(minutes)s "
        "minutes. Do not share it with anyone."
    ),
    FSM_SUBMITTED: _(
        "%(municipality)s: emptying application %(reference)s received. "
        "Track it with this number and your phone at %(url)s"
    ),
    FSM_STATUS: _("%(municipality)s: emptying application %(reference)s is now: %(state)s."),
    FSM_CANCELLED: _("%(municipality)s: emptying application %(reference)s is cancelled."),
}
# Templates whose text must not stay in the delivery log after sending.
SENSITIVE = frozenset({OTP})


def municipality_names() -> dict:
    """The current municipality's names ({"en", "bn"}) for a message; works
    under schema_context too (its tenant is a stand-in without names)."""
    from django.db import connection

    tenant = connection.tenant
    if not hasattr(tenant, "name_en"):
        from tenants.models import Municipality

        tenant = Municipality.objects.get(schema_name=connection.schema_name)
    return {"en": tenant.name_en, "bn": tenant.name_bn}


class UnknownTemplate(KeyError):
    pass


def _localise(value, language: str):
    """{"en": ..., "bn": ...} picks the recipient's language; lazy strings
    (a state's label) are rendered in it; anything else is used as it is."""
    if isinstance(value, dict) and "en" in value:
        return value.get(language) or value["en"]
    return str(value)


def sms_render(template_key: str, *, language: str, context: dict) -> str:
    if template_key not in TEXTS:
        raise UnknownTemplate(template_key)
    with translation.override(language):
        values = {name: _localise(value, language) for name, value in context.items()}
        return str(TEXTS[template_key]) % values

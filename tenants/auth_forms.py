from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.throttle import signin_blocked, signin_failed, signin_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing for a while after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Please wait 15 minutes and try again."),
    }

    def _address(self) -> str:
        return (self.request.META.get("REMOTE_ADDR") or "-") if self.request else "-"

    def clean(self):
        username = self.data.get("username", "") or ""
        address = self._address()
        if signin_blocked(username=username, address=address):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            signin_failed(username=username, address=address)
            raise
        signin_succeeded(username=username, address=address)
        return cleaned

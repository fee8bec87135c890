"""The SMS delivery log for the municipal admin: what was sent to whom,
what failed and why.  One-time codes are never shown."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from backoffice.notifications import selectors
from backoffice.notifications.models import SmsMessage
from tenants.permissions import role_required


class LogFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + SmsMessage.Status.choices
    )
    phone = forms.CharField(label=_("Phone ends with"), required=False, max_length=20)


@role_required("municipal_admin", module="notifications")
def sms_log(request):
    form = LogFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    messages = selectors.sms_log(
        actor=request.user, status=filters.get("status", ""), phone=filters.get("phone", "")
    )[: selectors.PAGE_SIZE]
    return render(
        request,
        "notifications/sms_log.html",
        {
            "form": form,
            "sms_messages": messages,
            "counts": selectors.sms_counts(actor=request.user),
            "statuses": SmsMessage.Status,
            "page_size": selectors.PAGE_SIZE,
        },
    )

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.payments.models import Gateway, Payment


class PayForm(forms.Form):
    gateway = forms.ChoiceField(
        label=_("Pay with"), choices=Gateway.choices, widget=forms.RadioSelect
    )


class CounterPaymentForm(forms.Form):
    bill = forms.CharField(label=_("Bill number"), max_length=20)
    amount = forms.DecimalField(
        label=_("Amount (BDT)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    payer_name = forms.CharField(label=_("Paid by"), max_length=120, required=False)


class PaymentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Receipt, bill, holding or transaction"), max_length=60, required=False
    )
    method = forms.ChoiceField(
        label=_("Method"), choices=[("", _("Any"))] + list(Payment.Method.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + list(Payment.Status.choices), required=False
    )


class ReceiptCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea)

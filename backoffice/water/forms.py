"""Staff forms of the water supply pages."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.registry.codes import BANGLA_DIGITS, holding_code_normalise
from backoffice.registry.models import Holding
from backoffice.water.models import (
    SIZE_CHOICES,
    Connection,
    Meter,
    TariffCategory,
    WaterBillingPeriod,
    WaterBillRun,
)

_TOUCH = {"class": "touch"}


def open_periods():
    """Periods whose readings are still open (no run, or a prepared one)."""
    closed = WaterBillRun.objects.exclude(state=WaterBillRun.State.PREPARED).values("period_id")
    return WaterBillingPeriod.objects.exclude(pk__in=closed).order_by("-year", "-month")


class ReadingForm(forms.Form):
    connection = forms.CharField(
        label=gettext_lazy("Connection number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={**_TOUCH, "autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    period = forms.ModelChoiceField(
        label=gettext_lazy("Billing month"),
        queryset=WaterBillingPeriod.objects.none(),
        empty_label=None,
    )
    read_on = forms.DateField(
        label=gettext_lazy("Read on"), widget=forms.DateInput(attrs={**_TOUCH, "type": "date"})
    )
    value = forms.DecimalField(
        label=gettext_lazy("Meter reading (m³)"),
        max_digits=12,
        decimal_places=3,
        min_value=0,
        widget=forms.TextInput(attrs={**_TOUCH, "inputmode": "decimal", "autocomplete": "off"}),
    )
    rollover = forms.BooleanField(
        label=gettext_lazy("The dial rolled over to zero"), required=False
    )
    meter_replaced = forms.BooleanField(
        label=gettext_lazy("The meter was replaced (new dial from zero)"), required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = open_periods()
        self.fields["read_on"].initial = timezone.localdate()
        self.fields["period"].initial = self.fields["period"].queryset.first()

    def clean_connection(self):
        number = self.cleaned_data["connection"].strip().upper().translate(BANGLA_DIGITS)
        if number.isdigit():
            number = f"WC-{int(number):06d}"
        conn = Connection.objects.filter(number=number).first()
        if conn is None:
            raise forms.ValidationError(
                _("No connection has the number %(number)s.") % {"number": number}
            )
        if not conn.metered:
            raise forms.ValidationError(
                _("This connection is billed at a flat rate: it has no meter to read.")
            )
        meter = Meter.objects.filter(connection=conn, active=True).first()
        if meter is None:
            raise forms.ValidationError(_("This connection has no meter installed."))
        self.meter = meter
        return conn


def _decimal_field(label, **kw):
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, min_value=0, **kw)


class TariffCategoryForm(forms.ModelForm):
    slabs = forms.CharField(
        label=gettext_lazy("Slabs"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=gettext_lazy(
            "One slab a line: the upper bound in m³ and the rate per m³, e.g. “10 8.50”; "
            "the last line has only the rate (everything above)."
        ),
    )
    fees = forms.CharField(
        label=gettext_lazy("Connection fees"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("One pipe size a line: the size in mm and the fee, e.g. “20 5000”."),
    )

    class Meta:
        model = TariffCategory
        fields = [
            "code",
            "name_en",
            "name_bn",
            "minimum_charge",
            "meter_rent",
            "flat_rate",
            "ceiling_m3",
            "order",
        ]

    @staticmethod
    def _numbers(text: str, line_no: int, count: int) -> list[Decimal]:
        parts = text.translate(BANGLA_DIGITS).replace(",", "").split()
        try:
            values = [Decimal(p) for p in parts]
        except InvalidOperation as error:
            raise forms.ValidationError(
                _("Line %(n)s is not a number.") % {"n": line_no}
            ) from error
        if not 1 <= len(values) <= count:
            raise forms.ValidationError(_("Line %(n)s has too many numbers.") % {"n": line_no})
        return values

    def clean_slabs(self):
        lines = [x.strip() for x in self.cleaned_data["slabs"].splitlines() if x.strip()]
        slabs = []
        for n, line in enumerate(lines, 1):
            values = self._numbers(line, n, 2)
            slabs.append((values[0], values[1]) if len(values) == 2 else (None, values[0]))
        return slabs

    def clean_fees(self):
        lines = [x.strip() for x in self.cleaned_data["fees"].splitlines() if x.strip()]
        sizes = {s for s, _label in SIZE_CHOICES}
        fees = []
        for n, line in enumerate(lines, 1):
            values = self._numbers(line, n, 2)
            if len(values) != 2 or int(values[0]) not in sizes:
                raise forms.ValidationError(
                    _("Line %(n)s: give a pipe size (%(sizes)s mm) and a fee.")
                    % {"n": n, "sizes": ", ".join(str(s) for s in sorted(sizes))}
                )
            fees.append((int(values[0]), values[1]))
        return fees


class PrepareForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        coerce=int,
        choices=[(m, datetime.date(2000, m, 1).strftime("%m")) for m in range(1, 13)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["month"].initial = today.month


class ApplicationForm(forms.Form):
    applicant_name = forms.CharField(label=gettext_lazy("Applicant"), max_length=150)
    applicant_phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    holding = forms.CharField(label=gettext_lazy("Holding code"), max_length=20)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Tariff category"), queryset=TariffCategory.objects.all()
    )
    size_mm = forms.TypedChoiceField(
        label=gettext_lazy("Pipe size"), choices=SIZE_CHOICES, coerce=int
    )
    metered = forms.BooleanField(label=gettext_lazy("Metered"), required=False, initial=True)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def clean_holding(self):
        code = holding_code_normalise(self.cleaned_data["holding"])
        holding = Holding.objects.filter(code=code).first()
        if holding is None:
            raise forms.ValidationError(_("No holding has the code %(code)s.") % {"code": code})
        return holding


class ConnectForm(forms.Form):
    meter_serial = forms.CharField(
        label=gettext_lazy("Meter serial number"), max_length=40, required=False
    )
    connected_on = forms.DateField(
        label=gettext_lazy("Connected on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    initial_reading = forms.DecimalField(
        label=gettext_lazy("Initial reading (m³)"),
        max_digits=12,
        decimal_places=3,
        min_value=0,
        initial=0,
    )


class MeterForm(forms.Form):
    serial = forms.CharField(label=gettext_lazy("Meter serial number"), max_length=40)
    installed_on = forms.DateField(
        label=gettext_lazy("Installed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    initial_reading = forms.DecimalField(
        label=gettext_lazy("Initial reading (m³)"),
        max_digits=12,
        decimal_places=3,
        min_value=0,
        initial=0,
    )


class ConnectionStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Connection.Status.choices)

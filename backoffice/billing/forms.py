"""Forms of the staff billing screens (the services validate again)."""

import datetime
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.billing.models import Exemption, TaxRate
from backoffice.registry.codes import holding_code_normalise
from backoffice.registry.models import Holding
from tenants.formatting import BENGALI_DIGITS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_RANGE_DAYS = 366 * 2


class PeriodForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[(q, _("Quarter %(n)s") % {"n": q}) for q in (1, 2, 3, 4)],
    )
    starts_on = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty: the first day of the quarter."),
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty: the last day of the quarter."),
    )
    due_on = forms.DateField(
        label=_("Due on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty: 30 days after the quarter starts."),
    )

    @staticmethod
    def next_quarter(latest) -> dict:
        """Initial year and quarter: after the latest period, else today's."""
        if latest is None:
            today = timezone.localdate()
            return {"year": today.year, "quarter": (today.month - 1) // 3 + 1}
        if latest.quarter == 4:
            return {"year": latest.year + 1, "quarter": 1}
        return {"year": latest.year, "quarter": latest.quarter + 1}


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = [
            "holding_tax_pct",
            "conservancy_pct",
            "lighting_pct",
            "water_pct",
            "rebate_pct",
            "surcharge_pct",
            "exempt",
        ]
        widgets = {
            name: forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"})
            for name in fields[:-1]
        }


class DuesFilterForm(forms.Form):
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)
    min_amount = forms.DecimalField(
        label=_("Owing at least (BDT)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        bangla = (get_language() or "en")[:2] == "bn"
        self.fields["ward"].choices = [("", _("All wards"))] + [
            (
                w.number,
                f"{str(w.number).translate(BENGALI_DIGITS)} · {w.name_bn}"
                if bangla
                else f"{w.number} · {w.name_en}",
            )
            for w in wards
        ]


class CollectionForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
    grouping = forms.ChoiceField(
        label=_("Group by"),
        choices=[("day", _("Day")), ("month", _("Month"))],
        initial="day",
        required=False,
    )

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {"start": today.replace(day=1), "end": today, "grouping": "day"}

    def clean(self):
        data = super().clean()
        data["grouping"] = data.get("grouping") or "day"
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end cannot be before the start."))
            elif end - start > datetime.timedelta(days=MAX_RANGE_DAYS):
                self.add_error("end", _("Choose a range of at most two years."))
        return data


class ExemptionGrantForm(forms.Form):
    holding = forms.CharField(
        label=_("Holding code"),
        max_length=40,
        help_text=_("XX-XXX-XXXX-XX; Bangla digits are fine."),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Exemption.Reason.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty: until it is ended."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean_holding(self):
        raw = self.cleaned_data["holding"]
        code = holding_code_normalise(raw)  # raises a translated ValidationError
        holding = Holding.objects.filter(code=code).first()
        if holding is None:
            raise forms.ValidationError(_("No holding has this code."))
        return holding


class ExemptionEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last exempt day"), widget=DATE, help_text=_("Bills of later periods charge it.")
    )


class ExemptionFilterForm(forms.Form):
    on = forms.DateField(label=_("In force on"), required=False, widget=DATE)
    all = forms.BooleanField(label=_("Include ended ones"), required=False)

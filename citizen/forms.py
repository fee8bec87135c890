"""Forms of the public FSM pages.  Inputs are large and numeric where that
helps a phone keyboard; every message is translated."""

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.registry.codes import BANGLA_DIGITS, holding_code_normalise, phone_normalise
from citizen import selectors
from tenants.formatting import BENGALI_DIGITS

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _phone_field():
    return forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send a one-time code to this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


def _ward_number(number: int, bangla: bool) -> str:
    text = f"{number:02d}"
    return text.translate(BENGALI_DIGITS) if bangla else text


def _clean_phone(value: str) -> str:
    return phone_normalise(value)


class ApplyForm(forms.Form):
    holding_code = forms.CharField(
        label=_("Holding code"),
        required=False,
        max_length=30,
        help_text=_("As on your holding-tax bill, e.g. 01-001-0001-00."),
        widget=forms.TextInput(attrs=NUMERIC),
    )
    bin = forms.CharField(
        label=_("Building number (BIN)"),
        required=False,
        max_length=30,
        help_text=_("If you know it instead of the holding code."),
    )
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=300,
        help_text=_("Only if you know neither number: house, road, area, a landmark."),
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    applicant_name = forms.CharField(label=_("Your name"), required=False, max_length=120)
    phone = _phone_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bangla = get_language() == "bn"
        self.fields["ward"].choices = [("", _("Choose your ward"))] + [
            (number, f"{_ward_number(number, bangla)} {name_bn if bangla else name_en}")
            for number, name_en, name_bn in selectors.wards_public()
        ]

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        code = (data.get("holding_code") or "").strip()
        bin_ = (data.get("bin") or "").strip().translate(BANGLA_DIGITS).upper()
        data["property"] = None
        data["location"] = None
        if code:
            try:
                code = holding_code_normalise(code)
            except ValidationError as error:
                self.add_error("holding_code", error)
                return data
            data["property"] = selectors.holding_public_find(code=code)
            if data["property"] is None:
                self.add_error("holding_code", _("No holding with this code in this municipality."))
        elif bin_:
            data["property"] = selectors.building_public_find(bin=bin_)
            if data["property"] is None:
                self.add_error("bin", _("No building with this number in this municipality."))
        else:
            self._clean_location(data)
        return data

    def _clean_location(self, data) -> None:
        if not data.get("ward"):
            self.add_error(
                "ward",
                _("Give the holding code or the BIN, or choose your ward and give an address."),
            )
        if not (data.get("address") or "").strip():
            self.add_error("address", _("Give an address or a landmark."))
        lat, lon = data.get("latitude"), data.get("longitude")
        if lat is not None and lon is not None:
            point = Point(lon, lat, srid=4326)
            if selectors.ward_of_point(point) is None:
                self.add_error("address", _("That location is outside this municipality."))
            else:
                data["location"] = point


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class TrackForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=24)
    phone = _phone_field()

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().translate(BANGLA_DIGITS).upper()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])


class FeedbackForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the service?"),
        coerce=int,
        choices=[
            (5, _("5 - very satisfied")),
            (4, _("4 - satisfied")),
            (3, _("3 - neither")),
            (2, _("2 - dissatisfied")),
            (1, _("1 - very dissatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    crew_wore_ppe = forms.TypedChoiceField(
        label=_("Did the crew wear protective equipment (gloves, boots, masks)?"),
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
        choices=[("yes", _("Yes")), ("no", _("No")), ("unknown", _("I did not see"))],
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label=_("Comments"), required=False, max_length=1000, widget=forms.Textarea({"rows": 3})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)


class ResubmitForm(forms.Form):
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=300,
        help_text=_("Correct what the office asked for."),
    )
    applicant_name = forms.CharField(label=_("Your name"), required=False, max_length=120)

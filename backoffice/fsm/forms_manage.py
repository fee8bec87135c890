"""Forms for the office's FSM master data and settings pages.

Fields come from the models (labels, limits and validators stay the
model's); the views hand ``cleaned_data`` to the services in
``backoffice.fsm.master_data``, which validate again and audit."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.forms.models import fields_for_model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import master_data, services, workflow
from backoffice.fsm.models import (
    Containment,
    ContainmentType,
    EffluentStandard,
    EffluentTest,
    Employee,
    FeeSlab,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from backoffice.registry.codes import BANGLA_DIGITS
from backoffice.registry.models import Building, Ward

# Bangladesh's bounding box (WGS 84), with a little margin.
LAT_RANGE = (Decimal("20.5"), Decimal("26.7"))
LON_RANGE = (Decimal("88.0"), Decimal("92.7"))
DECIMAL_INPUT = {"inputmode": "decimal"}


def _in_language(obj) -> str:
    """The Bangla or English name of a lookup row, by the page's language."""
    bangla = (get_language() or "en").startswith("bn")
    return (obj.name_bn if bangla else obj.name_en) or obj.name_en


def _touch_up(field) -> None:
    """Phone-friendly widgets: date pickers and numeric keyboards."""
    if isinstance(field, forms.DateField):
        field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif isinstance(field, forms.DecimalField):
        field.widget.attrs.update(DECIMAL_INPUT)
    elif isinstance(field, forms.IntegerField):
        field.widget.attrs.update({"inputmode": "numeric"})


class ModelFieldsForm(forms.Form):
    """A plain form whose fields are the model's ``field_names``, filled
    from ``instance`` when given."""

    model = None
    field_names: tuple[str, ...] = ()

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(instance, name)
                for name in self.field_names
                if not isinstance(getattr(instance, name, None), Point)
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_fields = fields_for_model(self.model, fields=list(self.field_names))
        for name in self.field_names:
            if name in model_fields:
                self.fields[name] = model_fields[name]
                _touch_up(self.fields[name])
        self.order_fields(self.field_order_names())

    def field_order_names(self) -> list[str]:
        return list(self.field_names)

    def model_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.field_names}


class LocationMixin:
    """A latitude/longitude pair (inside Bangladesh) for a point field."""

    location_required = False

    def location_fields(self, instance) -> None:
        self.fields["latitude"] = forms.DecimalField(
            label=_("Latitude"),
            required=self.location_required,
            max_digits=9,
            decimal_places=6,
            help_text=_("Decimal degrees, for example 22.8456."),
        )
        self.fields["longitude"] = forms.DecimalField(
            label=_("Longitude"),
            required=self.location_required,
            max_digits=9,
            decimal_places=6,
            help_text=_("Decimal degrees, for example 89.5403."),
        )
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update(DECIMAL_INPUT)
        point = getattr(instance, "location", None)
        if point is not None and not self.is_bound:
            self.initial["latitude"] = round(Decimal(point.y), 6)
            self.initial["longitude"] = round(Decimal(point.x), 6)

    def location_clean(self, cleaned: dict):
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is None and lon is None:
            return None
        if lat is None or lon is None:
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
            return None
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            self.add_error("latitude", _("This latitude is outside Bangladesh."))
            return None
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1]):
            self.add_error("longitude", _("This longitude is outside Bangladesh."))
            return None
        return Point(float(lon), float(lat), srid=4326)


# --- service providers


class ProviderForm(ModelFieldsForm):
    model = ServiceProvider
    field_names = master_data.PROVIDER_FIELDS
    wards = forms.ModelMultipleChoiceField(
        label=_("Wards served"),
        queryset=Ward.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["wards"].queryset = Ward.objects.defer("boundary").order_by("number")
        self.fields["wards"].label_from_instance = lambda w: f"{w.number} {_in_language(w)}"
        if instance is not None and not self.is_bound:
            self.initial["wards"] = list(instance.wards.values_list("pk", flat=True))
        self.fields["status"].help_text = _(
            "A provider is never deleted: suspend it or mark it inactive instead."
        )

    def field_order_names(self):
        return [*self.field_names[:-1], "wards", "status"]


def _role_users(role: str):
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .order_by("username")
        .distinct()
    )


def _user_label(user) -> str:
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Staff user"),
        queryset=get_user_model().objects.none(),
        help_text=_("Only users holding the service provider role are listed."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _role_users(workflow.PROVIDER)
        self.fields["user"].label_from_instance = _user_label


class EmployeeForm(ModelFieldsForm):
    model = Employee
    field_names = master_data.EMPLOYEE_FIELDS


class VehicleForm(ModelFieldsForm):
    model = Vehicle
    field_names = master_data.VEHICLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["width_m"].help_text = _("Narrow lanes need a narrow vehicle.")

    def clean_plate(self):
        return " ".join(self.cleaned_data["plate"].split()).upper()


# --- treatment plants


class PlantForm(LocationMixin, ModelFieldsForm):
    model = TreatmentPlant
    field_names = ("name", "kind", "capacity_m3_per_day", "status")
    location_required = True
    caretaker = forms.ModelChoiceField(
        label=_("Caretaker"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Only users holding the caretaker role are listed."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.location_fields(instance)
        self.fields["caretaker"].queryset = _role_users(workflow.CARETAKER)
        self.fields["caretaker"].label_from_instance = _user_label
        if instance is not None and not self.is_bound:
            self.initial["caretaker"] = instance.caretaker_id
        self.order_fields(self.field_order_names())

    def field_order_names(self):
        return ["name", "kind", "latitude", "longitude", "capacity_m3_per_day", "caretaker"]

    def clean(self):
        cleaned = super().clean()
        cleaned["location"] = self.location_clean(cleaned)
        return cleaned

    def model_data(self) -> dict:
        return {**super().model_data(), "location": self.cleaned_data["location"]}


class EffluentTestForm(ModelFieldsForm):
    model = EffluentTest
    field_names = master_data.EFFLUENT_FIELDS

    def clean_sampled_on(self):
        from backoffice.fsm.sla import municipality_today

        day = self.cleaned_data["sampled_on"]
        if day and day > municipality_today():
            raise forms.ValidationError(_("A sample cannot be taken in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) is not None for name in self.field_names[1:]):
            raise forms.ValidationError(_("Enter at least one measurement."))
        return cleaned


class StandardsForm(forms.Form):
    """Minimum and maximum for every effluent parameter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {s.parameter: s for s in EffluentStandard.objects.all()}
        self.rows = []
        for key, label in EffluentStandard.Parameter.choices:
            standard = current.get(key)
            for bound in ("minimum", "maximum"):
                name = f"{key}_{bound}"
                self.fields[name] = forms.DecimalField(
                    label=_("%(parameter)s: %(bound)s")
                    % {
                        "parameter": label,
                        "bound": _("minimum") if bound == "minimum" else _("maximum"),
                    },
                    required=False,
                    max_digits=12,
                    decimal_places=2,
                    initial=getattr(standard, bound, None),
                )
                self.fields[name].widget.attrs.update(DECIMAL_INPUT)
            self.rows.append((key, label, self[f"{key}_minimum"], self[f"{key}_maximum"]))

    def clean(self):
        cleaned = super().clean()
        for key, _label in EffluentStandard.Parameter.choices:
            low, high = cleaned.get(f"{key}_minimum"), cleaned.get(f"{key}_maximum")
            if low is not None and high is not None and high < low:
                self.add_error(f"{key}_maximum", _("The maximum must not be below the minimum."))
        return cleaned

    def limits(self) -> dict[str, tuple]:
        return {
            key: (self.cleaned_data[f"{key}_minimum"], self.cleaned_data[f"{key}_maximum"])
            for key, _label in EffluentStandard.Parameter.choices
        }


# --- containments


def _bin_clean(raw: str) -> str:
    return (raw or "").strip().translate(BANGLA_DIGITS).upper()


class ContainmentForm(LocationMixin, ModelFieldsForm):
    model = Containment
    field_names = master_data.CONTAINMENT_FIELDS[:7] + master_data.CONTAINMENT_FIELDS[8:]
    buildings = forms.CharField(
        label=_("Buildings served (BINs)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One BIN per line or separated by commas."),
    )
    responsible = forms.CharField(
        label=_("Responsible building (BIN)"),
        required=False,
        max_length=30,
        help_text=_("One of the buildings served; the first one if left blank."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.location_fields(instance)
        self.fields["containment_type"].queryset = ContainmentType.objects.order_by("sort_order")
        self.fields["containment_type"].label_from_instance = _in_language
        if instance is not None and not self.is_bound:
            links = instance.containmentbuilding_set.select_related("building").order_by(
                "-responsible", "building__bin"
            )
            bins = [link.building.bin for link in links]
            self.initial["buildings"] = "\n".join(bins)
            self.initial["responsible"] = next(
                (link.building.bin for link in links if link.responsible), ""
            )
        self.fields["emptying_frequency_years"].help_text = _(
            "The next emptying due date is recomputed from this and the last emptying."
        )
        self.order_fields(self.field_order_names())

    def field_order_names(self):
        names = list(self.field_names)
        at = names.index("constructed_on") + 1
        return [*names[:at], "latitude", "longitude", "buildings", "responsible", *names[at:]]

    def clean(self):
        cleaned = super().clean()
        cleaned["location"] = self.location_clean(cleaned)
        bins = []
        for raw in (cleaned.get("buildings") or "").replace(",", "\n").splitlines():
            code = _bin_clean(raw)
            if code and code not in bins:
                bins.append(code)
        found = {b.bin: b for b in Building.objects.filter(bin__in=bins).defer("footprint")}
        missing = [code for code in bins if code not in found]
        if missing:
            self.add_error(
                "buildings",
                _("No building has these BINs: %(bins)s") % {"bins": ", ".join(missing)},
            )
        responsible = _bin_clean(cleaned.get("responsible"))
        if responsible and responsible not in bins:
            self.add_error(
                "responsible", _("The responsible building must be one of those served.")
            )
        cleaned["building_list"] = [found[code] for code in bins if code in found]
        cleaned["responsible_building"] = found.get(responsible) if responsible else None
        return cleaned

    def model_data(self) -> dict:
        return {**super().model_data(), "location": self.cleaned_data["location"]}


# --- settings


class SlaForm(forms.Form):
    """Hours allowed in each state that has a clock: blank keeps the default
    (``workflow.SLA_HOURS``), "no clock" stops the clock for that state."""

    def __init__(self, *args, configured: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for state, default in workflow.SLA_HOURS.items():
            if state in workflow.FINAL_STATES:
                continue
            label = workflow.STATES.get(state, state)
            value = configured.get(state)
            self.fields[state] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=24 * 365,
                initial=value,
                help_text=(
                    _("Default: %(hours)s hours") % {"hours": default}
                    if default is not None
                    else _("Default: no clock")
                ),
            )
            self.fields[state].widget.attrs.update({"inputmode": "numeric"})
            self.fields[f"{state}_off"] = forms.BooleanField(
                label=_("No clock for “%(state)s”") % {"state": label},
                required=False,
                initial=state in configured and value is None,
                label_suffix="",
            )
            self.rows.append(state)

    def clean(self):
        cleaned = super().clean()
        for state in self.rows:
            if cleaned.get(f"{state}_off") and cleaned.get(state) is not None:
                self.add_error(state, _("Give hours or choose no clock, not both."))
        return cleaned

    def hours(self) -> dict:
        """state -> hours or None (no clock); states left blank use the default."""
        hours = {}
        for state in self.rows:
            if self.cleaned_data[f"{state}_off"]:
                hours[state] = None
            elif self.cleaned_data[state] is not None:
                hours[state] = self.cleaned_data[state]
        return hours


class FeeSlabForm(ModelFieldsForm):
    model = FeeSlab
    field_names = services.FEE_SLAB_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["low_income"] = forms.NullBooleanField(
            label=_("Low-income"),
            required=False,
            widget=forms.NullBooleanSelect(
                attrs={},
            ),
            initial=self.initial.get("low_income"),
        )
        self.fields["low_income"].widget.choices = [
            ("unknown", _("Either")),
            ("true", _("Low-income households only")),
            ("false", _("Other households only")),
        ]
        self.order_fields(self.field_order_names())

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_volume_m3"), cleaned.get("max_volume_m3")
        if low is not None and high is not None and high <= low:
            self.add_error("max_volume_m3", _("The band must end above where it starts."))
        return cleaned


class FeePreviewForm(forms.Form):
    property_type = forms.ChoiceField(label=_("Property type"), required=False)
    low_income = forms.BooleanField(label=_("Low-income household"), required=False)
    volume_m3 = forms.DecimalField(
        label=_("Volume (m³)"), min_value=0, max_digits=8, decimal_places=2, initial=3
    )
    trips = forms.IntegerField(label=_("Trips"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from backoffice.fsm.models import PROPERTY_TYPES

        self.fields["property_type"].choices = [("", _("Any")), *PROPERTY_TYPES]
        self.fields["volume_m3"].widget.attrs.update(DECIMAL_INPUT)
        self.fields["trips"].widget.attrs.update({"inputmode": "numeric"})
